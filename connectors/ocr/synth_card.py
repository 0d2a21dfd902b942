"""Draws the front (portrait side) of a made-up resident ID card for generated test documents."""

from __future__ import annotations

import math
import random
from datetime import date
from typing import Any

from PIL import Image, ImageDraw, ImageFilter

from connectors.ocr.fonts import font

CARD_W, CARD_H = 1012, 638  # 85.6 mm x 54 mm at 300 dpi
LABEL = (60, 105, 160)
SEX_ZH = {"male": "男", "female": "女"}


def _background(rng: random.Random) -> Image.Image:
    card = Image.new("RGB", (CARD_W, CARD_H), (236, 242, 240))
    draw = ImageDraw.Draw(card)
    for y in range(CARD_H):  # soft vertical tint
        t = y / CARD_H
        draw.line((0, y, CARD_W, y), fill=(round(238 - 10 * t), round(243 - 4 * t), round(236 + 8 * t)))
    phase = rng.uniform(0, math.pi)
    for k in range(14):  # faint guilloche waves
        pts = [(x, 40 + k * 42 + 12 * math.sin(x / 37 + phase + k)) for x in range(0, CARD_W, 6)]
        draw.line(pts, fill=(214, 228, 226), width=2)
    return card


def _portrait(card: Image.Image, rng: random.Random) -> None:
    draw = ImageDraw.Draw(card)
    x0, y0 = 650, 90
    tone = rng.choice(((150, 150, 150), (135, 135, 140), (160, 155, 150)))
    draw.ellipse((x0 + 70, y0 + 20, x0 + 210, y0 + 200), fill=tone)
    draw.rounded_rectangle((x0 + 10, y0 + 200, x0 + 270, y0 + 380), radius=90, fill=tone)


def draw_card(rng: random.Random, v: dict[str, Any]) -> Image.Image:
    """The card front with ``v``'s values; ``None`` values are covered by a glare patch."""
    card = _background(rng)
    _portrait(card, rng)
    draw = ImageDraw.Draw(card)
    lf, vf = font(30, "sans"), font(36, "sans")
    nf = font(44, "sans-bold")
    x_label, x_value = 70, 190
    draw.text((x_label, 80), "姓 名", font=lf, fill=LABEL)
    draw.text((x_value, 74), v["name"], font=font(40, "sans-bold"), fill="black")
    draw.text((x_label, 160), "性 别", font=lf, fill=LABEL)
    draw.text((x_value, 154), SEX_ZH[v["sex"]], font=vf, fill="black")
    draw.text((300, 160), "民 族", font=lf, fill=LABEL)
    draw.text((410, 154), v["ethnicity"], font=vf, fill="black")
    birth: date = v["birth_date"]
    draw.text((x_label, 240), "出 生", font=lf, fill=LABEL)
    draw.text((x_value, 234), f"{birth.year}", font=vf, fill="black")
    draw.text((300, 240), "年", font=lf, fill=LABEL)
    draw.text((350, 234), f"{birth.month}", font=vf, fill="black")
    draw.text((410, 240), "月", font=lf, fill=LABEL)
    draw.text((455, 234), f"{birth.day}", font=vf, fill="black")
    draw.text((510, 240), "日", font=lf, fill=LABEL)
    draw.text((x_label, 320), "住 址", font=lf, fill=LABEL)
    address = v["address"]
    for i in range(0, len(address), 12):
        draw.text((x_value, 314 + (i // 12) * 50), address[i : i + 12], font=vf, fill="black")
    draw.text((x_label, 520), "公民身份号码", font=lf, fill=LABEL)
    x = 330
    for ch in v["id_number"]:
        draw.text((x, 512), ch, font=nf, fill="black")
        x += 33
    for key, box in v.get("glare", {}).items():  # a reflection hiding a value
        del key
        patch = Image.new("L", card.size, 0)
        ImageDraw.Draw(patch).rounded_rectangle(box, radius=20, fill=255)
        patch = patch.filter(ImageFilter.GaussianBlur(6))
        card.paste((252, 252, 250), (0, 0), patch)
    mask = Image.new("L", card.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, CARD_W - 1, CARD_H - 1), radius=36, fill=255)
    out = Image.new("RGB", card.size, (255, 255, 255))
    out.paste(card, (0, 0), mask)
    return out


GLARE_BOXES = {
    "name": (180, 66, 520, 130),
    "ethnicity": (400, 146, 520, 206),
    "sex": (180, 146, 260, 206),
    "birth_date": (180, 226, 560, 286),
}


def place_card(rng: random.Random, card: Image.Image, setting: str) -> Image.Image:
    """The card as captured: ``scan`` on a white flatbed, ``photo`` on a desk, ``copy`` a grey photocopy."""
    if setting == "scan":
        canvas = Image.new("RGB", (card.width + 80, card.height + 80), (250, 250, 250))
        canvas.paste(card, (40, 40))
        return canvas
    if setting == "copy":
        grey = card.convert("L").point(lambda v: 255 if v > 200 else round(v * 0.8))
        canvas = Image.new("L", (card.width + 80, card.height + 80), 255)
        canvas.paste(grey, (40, 40))
        return canvas.convert("RGB")
    if setting == "photo":
        desk = rng.choice(((92, 74, 60), (60, 62, 66), (120, 110, 96)))
        canvas = Image.new("RGB", (card.width + 200, card.height + 200), desk)
        mask = Image.new("L", card.size, 0)
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, card.width - 1, card.height - 1), radius=36, fill=255)
        canvas.paste(card, (100, 100), mask)
        return canvas
    raise ValueError(f"unknown card setting {setting!r}")

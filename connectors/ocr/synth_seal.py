"""Draws red round seals (公章) for generated documents: ring, star, the issuer's name on an arc."""

from __future__ import annotations

import math
import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from connectors.ocr.fonts import font

SEAL_RED = (214, 32, 40)


def seal_mask(diameter: int, text: str, rng: random.Random, *, caption: str = "") -> Image.Image:
    """An ``L`` image of ``diameter`` pixels: 255 where the seal has ink, 0 elsewhere."""
    size = diameter
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    ring = max(3, round(size * 0.035))
    draw.ellipse((ring // 2, ring // 2, size - 1 - ring // 2, size - 1 - ring // 2), outline=255, width=ring)
    cx = cy = size / 2
    star_r = size * 0.16
    points = []
    for k in range(10):
        r = star_r if k % 2 == 0 else star_r * 0.38
        a = -math.pi / 2 + k * math.pi / 5
        points.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    draw.polygon(points, fill=255)
    radius = size / 2 - ring - size * 0.085
    span = min(250.0, max(150.0, 17.0 * len(text)))
    fit = 0.95 * radius * math.radians(span) / max(1, len(text))
    _arc_text(mask, text, radius=radius, char_px=round(min(size * 0.12, fit)), span=span)
    if caption:
        f = font(round(size * 0.085), "sans-bold")
        draw.text((cx, cy + size * 0.27), caption, font=f, fill=255, anchor="mm")
    # ink is never perfectly even
    rough = Image.frombytes("L", (size, size), rng.randbytes(size * size)).filter(ImageFilter.GaussianBlur(1.2))
    rough = rough.point(lambda v: 255 if v > 118 else 150)
    return ImageChops.multiply(mask, rough)


def _arc_text(mask: Image.Image, text: str, *, radius: float, char_px: int, span: float) -> None:
    """Writes ``text`` clockwise along the upper arc of the seal, each character upright to the rim."""
    if not text:
        return
    f = font(char_px, "sans-bold")
    cx = cy = mask.width / 2
    step = span / max(1, len(text) - 1)
    for i, ch in enumerate(text):
        theta = -span / 2 + i * step  # degrees from the top, clockwise
        tile = Image.new("L", (char_px * 2, char_px * 2), 0)
        ImageDraw.Draw(tile).text((char_px, char_px), ch, font=f, fill=255, anchor="mm")
        tile = tile.rotate(-theta, resample=Image.Resampling.BICUBIC)
        rad = math.radians(theta)
        x = cx + radius * math.sin(rad) - char_px
        y = cy - radius * math.cos(rad) - char_px
        mask.paste(255, (round(x), round(y)), tile)


def stamp(
    page: Image.Image,
    center: tuple[int, int],
    diameter: int,
    text: str,
    rng: random.Random,
    *,
    strength: float = 0.9,
    patchy: float = 0.0,
    caption: str = "",
) -> tuple[int, int, int, int]:
    """Stamps a red seal onto ``page`` (in place) and returns its box (left, top, right, bottom).

    ``strength`` is the ink opacity (0..1); ``patchy`` erases that share of the ink in blotches, the way
    a dry stamp leaves it.
    """
    mask = seal_mask(diameter, text, rng, caption=caption)
    mask = mask.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC)
    if patchy > 0:
        small = max(4, diameter // 12)
        blot = Image.frombytes("L", (small, small), rng.randbytes(small * small))
        blot = blot.resize((diameter, diameter), Image.Resampling.BICUBIC)
        cut = round(255 * patchy)
        blot = blot.point(lambda v: 0 if v < cut else 255)
        mask = ImageChops.multiply(mask, blot)
    mask = mask.point(lambda v: round(v * strength))
    left, top = center[0] - diameter // 2, center[1] - diameter // 2
    box = (left, top, left + diameter, top + diameter)
    region = page.crop(box)
    ink = ImageChops.multiply(region, Image.new(page.mode, region.size, SEAL_RED))
    page.paste(Image.composite(ink, region, mask), box)
    return box

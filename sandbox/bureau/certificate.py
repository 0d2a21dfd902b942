"""Renders the 参保缴费凭证 (contribution certificate) as a PDF or PNG page with the agency's red seal.

The layout follows the usual printed certificate: title, certificate number, the person, the
employer, the contribution period and months, the latest base, a table of contribution segments, the
issuing agency and date, and a round red seal over the agency line. A footer states that the sandbox
made it.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFont

FONT_CANDIDATES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
)
SEAL_RED = (206, 30, 38)
PAGE = (1240, 1754)  # A4 at 150 dpi
DPI = 150


class FontMissing(RuntimeError):
    """No CJK font: install fonts-noto-cjk (scripts/install-system-deps.sh) or set SHEBAO_CJK_FONT."""


@dataclass(frozen=True)
class CertificateData:
    """What the certificate states."""

    certificate_no: str
    name: str
    resident_id: str
    sex: str  # 男 / 女
    employer_name: str
    employer_credit_code: str
    region_name: str
    region_code: str
    period_start: str  # YYYY-MM
    period_end: str
    months_paid: int
    contribution_base: float
    personal_account: float
    segments: tuple[dict[str, Any], ...]  # {first_month, last_month, employer_name, base, months}
    agency: str
    issued_on: str  # YYYY-MM-DD


@lru_cache(maxsize=1)
def _font_file() -> tuple[str, int]:
    override = os.environ.get("SHEBAO_CJK_FONT")
    candidates = [Path(override)] if override else list(FONT_CANDIDATES)
    for path in candidates:
        if path.is_file():
            for index in range(8):
                try:
                    family = ImageFont.truetype(str(path), 12, index=index).getname()[0]
                except OSError:
                    break
                if (family or "").endswith(" SC"):
                    return str(path), index
            return str(path), 0
    raise FontMissing("no Noto CJK font found; run scripts/install-system-deps.sh or set SHEBAO_CJK_FONT")


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont:
    path, index = _font_file()
    return ImageFont.truetype(path, size, index=index)


def _month_text(month: str) -> str:
    return f"{month[:4]}年{month[5:7]}月"


def _date_text(day: str) -> str:
    return f"{day[:4]}年{day[5:7]}月{day[8:10]}日"


def render(data: CertificateData, fmt: str = "pdf") -> tuple[bytes, str, str]:
    """The certificate as ``(bytes, content_type, filename)``; ``fmt`` is ``pdf`` or ``png``.

    :raises FontMissing: when no CJK font is installed.
    """
    page = Image.new("RGB", PAGE, "white")
    draw = ImageDraw.Draw(page)
    black, grey = (20, 20, 20), (110, 110, 110)
    width = PAGE[0]
    draw.text((width // 2, 150), "基本养老保险参保缴费凭证", font=_font(58), fill=black, anchor="mm")
    draw.text((width - 110, 240), f"凭证编号：{data.certificate_no}", font=_font(26), fill=black, anchor="rm")
    draw.line((100, 270, width - 100, 270), fill=black, width=3)
    rows = [
        ("姓名", data.name, "性别", data.sex),
        ("身份证号码", data.resident_id, None, None),
        ("用人单位", data.employer_name, None, None),
        ("统一社会信用代码", data.employer_credit_code, None, None),
        ("参保地", f"{data.region_name}（{data.region_code}）", None, None),
        ("缴费起始年月", _month_text(data.period_start), "缴费截止年月", _month_text(data.period_end)),
        ("累计缴费月数", f"{data.months_paid}个月", "缴费基数", f"{data.contribution_base:,.2f}元"),
        ("个人账户累计储存额", f"{data.personal_account:,.2f}元", None, None),
    ]
    y, f = 320, _font(30)
    for label, value, label2, value2 in rows:
        draw.text((120, y), f"{label}：{value}", font=f, fill=black)
        if label2:
            draw.text((700, y), f"{label2}：{value2}", font=f, fill=black)
        y += 62
    y += 20
    draw.text((120, y), "缴费明细", font=_font(32), fill=black)
    y += 56
    columns = (120, 330, 540, 930, 1080)
    headers = ("起始年月", "截止年月", "单位名称", "缴费基数", "月数")
    _table_row(draw, y, columns, headers, _font(26), black)
    draw.line((110, y + 44, width - 110, y + 44), fill=black, width=2)
    y += 58
    for seg in data.segments[:14]:
        name = seg["employer_name"]
        name = name if len(name) <= 14 else name[:13] + "…"
        cells = (_month_text(seg["first_month"]), _month_text(seg["last_month"]), name,
                 f"{seg['base']:,.2f}", str(seg["months"]))
        _table_row(draw, y, columns, cells, _font(26), black)
        y += 46
    draw.line((110, y + 4, width - 110, y + 4), fill=black, width=2)
    foot = max(y + 120, 1300)
    draw.text((300, foot), f"经办机构：{data.agency}", font=_font(30), fill=black)
    draw.text((300, foot + 62), f"出具日期：{_date_text(data.issued_on)}", font=_font(30), fill=black)
    # the seal sits beside the issuer and date, touching their ends, as clerks usually stamp it
    _stamp(page, (300 + 30 * (len(data.agency) + 5) + 60, foot + 40), 280, data.agency, "业务专用章")
    draw.text((width // 2, PAGE[1] - 80), "本凭证由沙箱环境生成，仅供测试使用", font=_font(22), fill=grey, anchor="mm")
    out = io.BytesIO()
    if fmt == "png":
        page.save(out, "PNG", dpi=(DPI, DPI))
        return out.getvalue(), "image/png", f"{data.certificate_no}.png"
    page.save(out, "PDF", resolution=float(DPI))
    return out.getvalue(), "application/pdf", f"{data.certificate_no}.pdf"


def _table_row(draw: ImageDraw.ImageDraw, y: int, columns: tuple[int, ...], cells: tuple[str, ...],
               f: ImageFont.FreeTypeFont, fill: tuple[int, int, int]) -> None:
    for x, cell in zip(columns, cells, strict=True):
        draw.text((x, y), cell, font=f, fill=fill)


def _stamp(page: Image.Image, center: tuple[int, int], diameter: int, text: str, caption: str) -> None:
    """Overlay a round red seal: ring, five-pointed star, the agency name on the upper arc, a caption."""
    mask = Image.new("L", (diameter, diameter), 0)
    draw = ImageDraw.Draw(mask)
    ring = 9
    draw.ellipse((ring, ring, diameter - ring, diameter - ring), outline=255, width=ring)
    c = diameter / 2
    star = []
    for k in range(10):
        r = diameter * 0.15 if k % 2 == 0 else diameter * 0.06
        a = -math.pi / 2 + k * math.pi / 5
        star.append((c + r * math.cos(a), c + r * math.sin(a)))
    draw.polygon(star, fill=255)
    draw.text((c, c + diameter * 0.27), caption, font=_font(round(diameter * 0.085)), fill=255, anchor="mm")
    radius = c - ring - diameter * 0.09
    span = min(260.0, max(150.0, 18.0 * len(text)))
    char_px = round(min(diameter * 0.11, 0.95 * radius * math.radians(span) / max(1, len(text))))
    f = _font(char_px)
    step = span / max(1, len(text) - 1)
    for i, ch in enumerate(text):
        theta = -span / 2 + i * step
        tile = Image.new("L", (char_px * 2, char_px * 2), 0)
        ImageDraw.Draw(tile).text((char_px, char_px), ch, font=f, fill=255, anchor="mm")
        tile = tile.rotate(-theta, resample=Image.Resampling.BICUBIC)
        rad = math.radians(theta)
        x = c + radius * math.sin(rad) - char_px
        y = c - radius * math.cos(rad) - char_px
        mask.paste(255, (round(x), round(y)), tile)
    mask = mask.rotate(-12, resample=Image.Resampling.BICUBIC).point(lambda v: round(v * 0.85))
    left, top = center[0] - diameter // 2, center[1] - diameter // 2
    region = page.crop((left, top, left + diameter, top + diameter))
    # multiply: white paper turns red, black text under the seal stays legible
    tinted = ImageChops.multiply(region, Image.new("RGB", region.size, SEAL_RED))
    page.paste(Image.composite(tinted, region, mask), (left, top))

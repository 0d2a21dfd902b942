"""A tiny page-drawing helper for generated documents: titles, wrapped paragraphs, lines, tables."""

from __future__ import annotations

from datetime import date

from PIL import Image, ImageDraw

from connectors.ocr.fonts import font

Box = tuple[int, int, int, int]


def fmt_date(d: date, style: str) -> str:
    """``d`` written the way Chinese documents write dates (style: cn, cn_pad, dash, dot, slash)."""
    if style == "cn":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "cn_pad":
        return f"{d.year}年{d.month:02d}月{d.day:02d}日"
    if style == "dash":
        return d.isoformat()
    if style == "dot":
        return f"{d.year}.{d.month:02d}.{d.day:02d}"
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    raise ValueError(f"unknown date style {style!r}")


def fmt_month(d: date, style: str) -> str:
    """The month of ``d`` (style: cn, compact, dash, dot)."""
    if style == "cn":
        return f"{d.year}年{d.month:02d}月"
    if style == "compact":
        return f"{d.year}{d.month:02d}"
    if style == "dash":
        return f"{d.year}-{d.month:02d}"
    if style == "dot":
        return f"{d.year}.{d.month:02d}"
    raise ValueError(f"unknown month style {style!r}")


def fmt_amount(value: float, style: str) -> str:
    """An amount of yuan (style: plain, cents, comma)."""
    if style == "plain":
        return f"{value:.0f}" if value == int(value) else f"{value:.2f}"
    if style == "cents":
        return f"{value:.2f}"
    if style == "comma":
        return f"{value:,.2f}"
    raise ValueError(f"unknown amount style {style!r}")


class Page:
    """A white page with a writing cursor; every drawing call returns the box it covered."""

    def __init__(self, width: int = 1240, height: int = 1754, *, margin: int = 140, body: int = 30,
                 style: str = "serif") -> None:
        self.image = Image.new("RGB", (width, height), "white")
        self.draw = ImageDraw.Draw(self.image)
        self.margin = margin
        self.body = body
        self.style = style
        self.y = margin

    @property
    def width(self) -> int:
        """The page width in pixels."""
        return self.image.width

    def gap(self, px: int) -> None:
        """Moves the cursor down by ``px``."""
        self.y += px

    def title(self, text: str, size: int = 56, *, spaced: bool = True) -> Box:
        """A centred title (letters spaced out the way letterheads do)."""
        shown = "  ".join(text) if spaced and len(text) <= 6 else text
        f = font(size, self.style + "-bold")
        box = self.draw.textbbox((self.width // 2, self.y), shown, font=f, anchor="mt")
        self.draw.text((self.width // 2, self.y), shown, font=f, fill="black", anchor="mt")
        self.y = box[3] + size
        return box

    def line(self, text: str, *, size: int | None = None, align: str = "left", x: int | None = None,
             mark: str | None = None, bold: bool = False, color: str = "black") -> Box:
        """One line of text; returns the box of ``mark`` inside it when given, else of the whole line."""
        size = size or self.body
        f = font(size, self.style + ("-bold" if bold else ""))
        length = round(f.getlength(text))
        if x is None:
            if align == "right":
                x = self.width - self.margin - length
            elif align == "center":
                x = (self.width - length) // 2
            else:
                x = self.margin
        self.draw.text((x, self.y), text, font=f, fill=color)
        box = self.draw.textbbox((x, self.y), text, font=f)
        if mark and mark in text:
            start = x + round(f.getlength(text[: text.index(mark)]))
            box = (start, box[1], start + round(f.getlength(mark)), box[3])
        self.y += round(size * 1.75)
        return box

    def paragraph(self, text: str, *, size: int | None = None, indent: int = 2, spacing: float = 1.8) -> Box:
        """A paragraph wrapped to the page width, first line indented by ``indent`` characters."""
        size = size or self.body
        f = font(size, self.style)
        left = self.margin
        right = self.width - self.margin
        top = self.y
        x = left + indent * size
        for ch in text:
            w = f.getlength(ch)
            if x + w > right:
                self.y += round(size * spacing)
                x = left
            self.draw.text((x, self.y), ch, font=f, fill="black")
            x += w
        self.y += round(size * spacing)
        return (left, top, right, self.y)

    def table(self, rows: list[list[str]], widths: list[float], *, size: int | None = None) -> list[list[Box]]:
        """A ruled table; ``widths`` are shares of the text width. Returns each cell's box."""
        size = size or self.body
        f = font(size, self.style)
        total = self.width - 2 * self.margin
        xs = [self.margin]
        for share in widths:
            xs.append(xs[-1] + round(total * share / sum(widths)))
        row_h = round(size * 2.1)
        boxes: list[list[Box]] = []
        for row in rows:
            y0 = self.y
            cells = []
            for i, cell in enumerate(row):
                box = (xs[i], y0, xs[i + 1], y0 + row_h)
                self.draw.rectangle(box, outline="black", width=2)
                if cell:
                    self.draw.text((xs[i] + size // 2, y0 + row_h // 2), cell, font=f, fill="black", anchor="lm")
                cells.append(box)
            boxes.append(cells)
            self.y += row_h
        self.y += size
        return boxes

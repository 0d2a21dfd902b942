"""Prepares page images for recognition: drops the red seal ink, straightens skew, turns pages upright."""

from __future__ import annotations

import math

from PIL import Image, ImageChops, ImageFilter, ImageOps

MAX_SIDE = 2600
MIN_SIDE = 1000
RULE_INK = 170  # darkness (0..255, inverted) a cell of a ruling line keeps after averaging: blur greys thin rules
RULE_WIDTH = 7  # lines at least this many pixels wide are strokes of bold type, not rules


def text_layer(image: Image.Image) -> Image.Image:
    """A grey image for recognition in which red seal ink vanishes.

    Red ink is bright in the red channel while black text stays dark, so the red channel keeps the
    text a seal overlaps. Seal ink still dims the red channel a little, so each pixel is lifted by
    its redness (red minus the brighter of green and blue), which is nil for black, grey and blue.
    """
    r, g, b = image.convert("RGB").split()
    redness = ImageChops.subtract(r, ImageChops.lighter(g, b))
    grey = ImageChops.add(r, redness.point(lambda v: round(v * 0.6)))
    return ImageOps.autocontrast(grey, cutoff=(0.5, 0.5))


def fit_size(image: Image.Image, min_side: int = MIN_SIDE, max_side: int = MAX_SIDE) -> Image.Image:
    """``image`` scaled so its longer side is at most ``max_side`` and its shorter side at least ``min_side``."""
    w, h = image.size
    scale = 1.0
    if max(w, h) > max_side:
        scale = max_side / max(w, h)
    elif min(w, h) < min_side:
        scale = min(min_side / min(w, h), max_side / max(w, h))
    if abs(scale - 1.0) < 0.02:
        return image
    return image.resize((round(w * scale), round(h * scale)), Image.Resampling.LANCZOS)


def _ink(image: Image.Image, width: int = 500) -> Image.Image:
    """A small image with text as white on black, for measuring line directions."""
    grey = image.convert("L")
    scale = width / grey.width
    small = grey.resize((width, max(1, round(grey.height * scale))), Image.Resampling.BOX)
    small = small.filter(ImageFilter.MinFilter(3)) if min(small.size) > 50 else small
    histogram = small.histogram()
    total = sum(histogram)
    mean = sum(i * n for i, n in enumerate(histogram)) / total
    cut = mean * 0.82  # darker than the page's mean by a margin: ink
    return small.point(lambda v: 255 if v < cut else 0)


def _row_sharpness(ink: Image.Image, angle: float) -> float:
    """How crisply rows of text separate when ``ink`` is turned by ``angle`` degrees."""
    turned = ink.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=0)
    rows = list(turned.resize((1, turned.height), Image.Resampling.BOX).getdata())
    return sum((rows[i + 1] - rows[i]) ** 2 for i in range(len(rows) - 1)) / max(1, len(rows))


def skew_angle(image: Image.Image, *, limit: float = 6.0, step: float = 0.25) -> float:
    """The angle (degrees, counter-clockwise) that makes the text rows of ``image`` horizontal."""
    ink = _ink(image)
    best_angle, best = 0.0, _row_sharpness(ink, 0.0)
    coarse = [a * 1.0 for a in range(-int(limit), int(limit) + 1) if a]
    for angle in coarse:
        score = _row_sharpness(ink, angle)
        if score > best:
            best_angle, best = angle, score
    center = best_angle
    k = step
    while k < 1.0:
        for angle in (center - k, center + k):
            score = _row_sharpness(ink, angle)
            if score > best:
                best_angle, best = angle, score
        k += step
    return best_angle


def lines_run_vertically(image: Image.Image) -> bool:
    """True when the text rows of ``image`` run top to bottom (the page lies on its side)."""
    ink = _ink(image)
    return _row_sharpness(ink, 90.0) > 1.3 * _row_sharpness(ink, 0.0)


def rotate(image: Image.Image, angle: float) -> Image.Image:
    """``image`` turned counter-clockwise by ``angle`` degrees, new corners filled with the page colour."""
    if not angle:
        return image
    if angle % 90 == 0:
        return image.rotate(angle, expand=True)
    fill = 255 if image.mode == "L" else image.getpixel((1, 1))
    return image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def _shifted(cells: Image.Image, offset: int) -> Image.Image:
    """``cells`` moved down by ``offset`` rows (up when negative), empty rows coming in."""
    w, h = cells.size
    moved = Image.new("L", (w, h), 0)
    moved.paste(cells.crop((0, max(0, -offset), w, min(h, h - offset))), (0, max(0, offset)))
    return moved


def _runs(cells: Image.Image, length: int) -> Image.Image:
    """Cells of a mask that belong to a vertical run of at least ``length`` set cells (an erosion and a
    dilation along the columns)."""
    starts = cells
    for k in range(1, length):
        starts = ImageChops.multiply(starts, _shifted(cells, -k))  # set where this and the next k are set
    keep = starts
    for k in range(1, length):
        keep = ImageChops.lighter(keep, _shifted(starts, k))
    return keep


def text_height(dark: Image.Image) -> int:
    """The height in pixels of the tallest line of text on a page (``dark``: ink bright), from the bands
    of rows that carry ink."""
    ink = dark.point(lambda v: 255 if v > 110 else 0)
    profile = list(ink.resize((1, ink.height), Image.Resampling.BOX).getdata())
    floor = max(3, sorted(profile)[len(profile) // 2] + 3)
    runs, current = [], 0
    for value in profile + [0]:
        if value > floor:
            current += 1
        elif current:
            runs.append(current)
            current = 0
    runs = [r for r in runs if 8 <= r <= dark.height // 6]
    return max(runs, default=40)


def _rules_down(dark: Image.Image, cell: int, run: int) -> Image.Image:
    """Mask of thin vertical rules in ``dark`` (ink bright): runs of ``run`` stacked cells of ``cell``
    pixels that stay dark when averaged, no wider than a few pixels (bold strokes are wider)."""
    w, h = dark.size
    cells = dark.resize((w, max(1, h // cell)), Image.Resampling.BOX).point(lambda v: 255 if v > RULE_INK else 0)
    long = _runs(cells, run)
    wide = _runs(long.transpose(Image.Transpose.TRANSPOSE), RULE_WIDTH).transpose(Image.Transpose.TRANSPOSE)
    return ImageChops.subtract(long, wide).resize((w, h), Image.Resampling.NEAREST)


def remove_rules(grey: Image.Image) -> Image.Image:
    """``grey`` with long, thin straight lines (table borders, underlines) painted white.

    Averaging over a short cell along a direction keeps a ruling line dark while letters turn pale.
    A rule is a run of such dark cells longer than the tallest line of text on the page (so no stroke
    of a letter qualifies, however large the type) and thinner than a bold stroke.
    """
    w, h = grey.size
    dark = ImageOps.invert(grey)
    longest_stroke = 1.4 * text_height(dark)
    cell = 12
    if w < longest_stroke * 2 or h < longest_stroke * 2:
        return grey
    run = math.ceil(longest_stroke / cell)
    across = _rules_down(dark.transpose(Image.Transpose.TRANSPOSE), cell, run).transpose(Image.Transpose.TRANSPOSE)
    found = ImageChops.lighter(across, _rules_down(dark, cell, run))
    if found.getbbox() is None:
        return grey
    found = found.filter(ImageFilter.MaxFilter(5))
    return Image.composite(Image.new("L", (w, h), 255), grey, found)


def crop_to_document(image: Image.Image) -> Image.Image:
    """``image`` cropped to the bright document when it lies on a clearly darker background (a photo)."""
    grey = image.convert("L")
    scale = 400 / max(grey.size)
    small = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))), Image.Resampling.BOX)
    histogram = small.histogram()
    total = sum(histogram)
    # Otsu's threshold between background and document
    sum_all = sum(i * n for i, n in enumerate(histogram))
    best_t, best_var, w0, sum0 = 0, -1.0, 0, 0.0
    for t in range(256):
        w0 += histogram[t]
        if w0 == 0 or w0 == total:
            continue
        sum0 += t * histogram[t]
        m0, m1 = sum0 / w0, (sum_all - sum0) / (total - w0)
        var = w0 * (total - w0) * (m0 - m1) ** 2
        if var > best_var:
            best_t, best_var = t, var
    bright = small.point(lambda v: 255 if v > best_t else 0).filter(ImageFilter.MinFilter(5))
    box = bright.getbbox()
    if box is None:
        return image
    left, top, right, bottom = (round(c / scale) for c in box)
    area = (right - left) * (bottom - top)
    if area > 0.92 * image.width * image.height or area < 0.25 * image.width * image.height:
        return image
    # the darker share must really be background: mostly dark outside the box
    outside_dark = sum(histogram[: best_t + 1]) / total
    if outside_dark < 0.08:
        return image
    return image.crop((max(0, left - 8), max(0, top - 8), min(image.width, right + 8), min(image.height, bottom + 8)))

"""Finds a red round seal on a page by colour, shape and ink density, and says how strong it is."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter, ImageStat

from connectors.ocr.model import SealCheck

WORK_SIDE = 600  # the page is measured at this size
RED_MIN = 30  # redness (red minus the brighter of green and blue) of any seal ink
STRONG_MEAN = 55  # mean redness of a well-inked seal
STRONG_DENSITY = 0.2  # share of the disc a well-inked seal covers with ink
MIN_COVERAGE = 0.55  # share of the rim's sectors that must carry ink for a round seal
STRONG_COVERAGE = 0.85
SECTORS = 36


@dataclass(frozen=True)
class SealCandidate:
    """A round red mark: where it is (page pixels), how much of its rim is inked, how red it is."""

    box: tuple[int, int, int, int]
    coverage: float
    density: float
    mean_redness: float

    @property
    def center(self) -> tuple[float, float]:
        """The middle of the seal's box."""
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2

    @property
    def radius(self) -> float:
        """Half the mean of the box's width and height."""
        return ((self.box[2] - self.box[0]) + (self.box[3] - self.box[1])) / 4


def redness(image: Image.Image) -> Image.Image:
    """Per pixel: red minus the brighter of green and blue (0 for black, grey, white and blue)."""
    r, g, b = image.convert("RGB").split()
    return ImageChops.subtract(r, ImageChops.lighter(g, b))


def _components(mask: Image.Image) -> list[list[tuple[int, int]]]:
    """8-connected groups of set pixels of a small mask."""
    w, h = mask.size
    data = mask.tobytes()
    todo = {i for i, v in enumerate(data) if v}
    groups = []
    while todo:
        start = todo.pop()
        queue = deque([start])
        group = []
        while queue:
            i = queue.popleft()
            x, y = i % w, i // w
            group.append((x, y))
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    nx, ny = x + dx, y + dy
                    if 0 <= nx < w and 0 <= ny < h:
                        j = ny * w + nx
                        if j in todo:
                            todo.remove(j)
                            queue.append(j)
        groups.append(group)
    return groups


def find_seals(page: Image.Image) -> list[SealCandidate]:
    """Round red marks on ``page``, the most seal-like first."""
    red = redness(page)
    scale = WORK_SIDE / max(page.size)
    size = (max(1, round(page.width * scale)), max(1, round(page.height * scale)))
    inked = red.point(lambda v: 255 if v > RED_MIN else 0)
    small = inked.resize(size, Image.Resampling.BOX).point(lambda v: 255 if v > 40 else 0)
    if small.getbbox() is None:
        return []
    grow = 4  # patchy ink: join pieces up to ~2 * grow work pixels apart
    joined = small.filter(ImageFilter.MaxFilter(2 * grow + 1))
    found = []
    bits = small.load()
    for group in _components(joined):
        xs = [p[0] for p in group]
        ys = [p[1] for p in group]
        x0, x1 = min(xs) + grow, max(xs) + 1 - grow
        y0, y1 = min(ys) + grow, max(ys) + 1 - grow
        if x1 <= x0 or y1 <= y0:
            continue
        w, h = x1 - x0, y1 - y0
        if max(w, h) < 0.06 * max(size) or max(w, h) > 0.5 * min(size) or not 0.7 <= w / h <= 1.4:
            continue
        cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, (w + h) / 4
        hit = [False] * SECTORS
        inside = 0
        for y in range(y0, y1):
            for x in range(x0, x1):
                if not bits[x, y]:
                    continue
                d = math.hypot(x + 0.5 - cx, y + 0.5 - cy)
                if d <= r * 1.05:
                    inside += 1
                if 0.7 * r <= d <= 1.1 * r:
                    angle = math.atan2(y + 0.5 - cy, x + 0.5 - cx)
                    hit[int((angle + math.pi) / (2 * math.pi) * SECTORS) % SECTORS] = True
        coverage = sum(hit) / SECTORS
        density = inside / (math.pi * r * r)
        if coverage < MIN_COVERAGE or not 0.04 <= density <= 0.7:
            continue
        box = (round(x0 / scale), round(y0 / scale), round(x1 / scale), round(y1 / scale))
        ink = inked.crop(box)
        mean = ImageStat.Stat(red.crop(box), mask=ink).mean[0] if ink.getbbox() else 0.0
        found.append(SealCandidate(box, coverage, density, mean))
    found.sort(key=lambda c: (c.coverage, c.mean_redness), reverse=True)
    return found


def judge(candidate: SealCandidate | None, *, page: int | None = None, overlaps: bool | None = None) -> SealCheck:
    """The seal check for the best candidate: present, faint (weak or broken ink) or missing."""
    if candidate is None:
        return SealCheck("missing")
    strong = (
        candidate.mean_redness >= STRONG_MEAN
        and candidate.coverage >= STRONG_COVERAGE
        and candidate.density >= STRONG_DENSITY
    )
    return SealCheck(
        "present" if strong else "faint",
        overlaps_issuer=overlaps,
        page=page,
        box=candidate.box,
        ring_coverage=round(candidate.coverage, 3),
        strength=round(candidate.mean_redness / 255, 3),
    )


def overlaps_box(candidate: SealCandidate, box: tuple[int, int, int, int]) -> bool:
    """True when the seal's disc reaches into ``box`` (left, top, right, bottom)."""
    cx, cy = candidate.center
    nx = min(max(cx, box[0]), box[2])
    ny = min(max(cy, box[1]), box[3])
    return math.hypot(cx - nx, cy - ny) < candidate.radius * 0.9

"""Second readings of the lines that text fields come from, and a vote between all readings.

Tesseract misreads single characters of names and organisation names, where no sentence context
helps. Reading the same line again as a single line, enlarged, and in black and white gives
independent readings; a character misread in one of them is usually right in the others.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

from PIL import Image

from connectors.ocr.extract_common import Extraction, Lines
from connectors.ocr.names import ethnic_group, plausible_name
from connectors.ocr.tesseract import read_line
from connectors.ocr.text import clean_line

# Measured on development sets: a vote helps personal names, and numbers in table cells and the
# spaced-out birth date of ID cards; for organisation names and ethnic groups the page reading alone
# did best, so they are not read again.
VOTED_FIELDS = ("name", "birth_date", "months_paid", "contribution_base")
# (scale, black and white) of each second reading, in the order ties are broken; the page reading
# takes part too, in second place.
VARIANTS: tuple[tuple[float, bool], ...] = ((1.5, True), (1.0, False), (1.5, False))
PAGE_PLACE = 1


# Readings that look right for the field win over those that do not, whatever their count.
PLAUSIBLE: dict[str, Callable[[Any], bool]] = {
    "name": plausible_name,
    "ethnicity": ethnic_group,
    "contribution_base": lambda v: isinstance(v, int | float) and 1000 <= v <= 100000,
}


def vote(readings: list[Any], plausible: Callable[[Any], bool] | None = None) -> Any:
    """The most frequent non-empty reading (among the plausible ones, when there are); ties: first listed."""
    present = [r for r in readings if r not in (None, "")]
    if plausible is not None and any(plausible(r) for r in present):
        present = [r for r in present if plausible(r)]
    if not present:
        return None
    counts = Counter(present)
    best = max(counts.values())
    return next(r for r in present if counts[r] == best)


def second_opinions(
    lines: Lines,
    extraction: Extraction,
    images: list[Image.Image],
    extractor: Callable[[Lines, date], Extraction],
    today: date,
    *,
    lang: str,
    timeout: int,
    known: dict[str, Any] | None = None,
    plausible: dict[str, Callable[[Any], bool]] | None = None,
) -> dict[str, Any]:
    """Voted values of the fields, each from its line read again in every variant.

    ``known``: values known from elsewhere (the case, or the ID number for the birth date); a reading
    that agrees with one exactly is taken. ``plausible``: per-field tests added to :data:`PLAUSIBLE`.
    """
    tests = {**PLAUSIBLE, **(plausible or {})}
    voted: dict[str, Any] = {}
    for name in VOTED_FIELDS:
        index = extraction.sources.get(name)
        if index is None:
            continue
        image = images[lines.pages[index]]
        readings: list[Any] = []
        for scale, binarise in VARIANTS:
            text = clean_line(read_line(image, lines.boxes[index], scale=scale, binarise=binarise, lang=lang, timeout=timeout))
            variant = Lines(list(lines.texts), lines.pages, lines.boxes)
            variant.texts[index] = text
            again = extractor(variant, today)
            readings.append(again.fields.get(name) if again.sources.get(name) == index else None)
        readings.insert(PAGE_PLACE, extraction.fields.get(name))
        expected = (known or {}).get(name)
        voted[name] = expected if expected and expected in readings else vote(readings, tests.get(name))
    return voted

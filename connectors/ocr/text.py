"""Text helpers for reading recognised documents: clean-up, and parsers for dates, months and amounts."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

CJK = "\u3400-\u9fff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{CJK}():;,、。])\s+(?=[{CJK}():;,、。])")
_NOISE = str.maketrans({"“": "", "”": "", '"': "", "‘": "", "’": "", "〈": "(", "〉": ")", "【": "(", "】": ")",
                        "，": ",", "；": ";", "：": ":", "﹒": ".", "—": "-", "–": "-", "~": "-", "～": "-"})

# What OCR reads instead of a digit inside a number.
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "|": "1", "i": "1", "]": "1", "!": "1",
                                   "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8", "g": "9", "q": "9"})


def clean_line(text: str) -> str:
    """A recognised line made regular: NFKC, quotes dropped, no spaces between Chinese characters."""
    text = unicodedata.normalize("NFKC", text).translate(_NOISE)
    text = _SPACE_BETWEEN_CJK.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def compact(text: str) -> str:
    """``text`` without any whitespace."""
    return re.sub(r"\s+", "", text)


def as_digits(token: str) -> str:
    """A token that should be a number with digit look-alike letters read as the digits they resemble."""
    return token.translate(_DIGIT_LOOKALIKES)


_D = r"[0-9OoDQIl|i\]!ZzSsBgq]"  # a digit, or a letter OCR reads for one
# A year, month and day; a line break may fall inside the year or the day of wrapped prose.
# Stray marks next to 年 and 月 ("1990 -年1月:19日") are allowed.
_DATE = re.compile(
    rf"(?P<y>(?:1\s?9|2\s?0|2O|l9|I9)\s?{_D}\s?{_D})\s*(?:[-.]?\s*年|[-./])\s*(?P<m>{_D}\n{_D}(?=\s*月)|{_D}{{1,2}})\s*(?:月[:.,]?|[-./])\s*"
    rf"(?P<d>{_D}\n{_D}(?=\s*日)|{_D}{{1,2}})(?!\d)\s*日?"
)
_MONTH = re.compile(rf"(?P<y>(?:19|20){_D}{{2}})\s*(?:年|[-./])?\s*(?P<m>{_D}{{1,2}})(?!\d)\s*月?")
_AMOUNT = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)(?![\d,])")


@dataclass(frozen=True)
class Found:
    """A value found in a text, with where it starts and ends."""

    value: object
    start: int
    end: int


def _ymd(y: str, m: str, d: str) -> date | None:
    try:
        return date(int(as_digits(compact(y))), int(as_digits(compact(m))), int(as_digits(compact(d))))
    except ValueError:
        return None


def find_dates(text: str) -> list[Found]:
    """Every date written in ``text`` (年月日, dashes, dots or slashes), in order."""
    out = []
    for m in _DATE.finditer(text):
        value = _ymd(m["y"], m["m"], m["d"])
        if value is not None:
            out.append(Found(value, m.start(), m.end()))
    return out


def find_months(text: str) -> list[Found]:
    """Every year-month in ``text`` (2019年03月, 2019-03, 2019.03, 201903), as the month's first day."""
    out = []
    for m in _MONTH.finditer(text):
        try:
            value = date(int(as_digits(m["y"])), int(as_digits(m["m"])), 1)
        except ValueError:
            continue
        if not 1 <= value.month <= 12:
            continue
        out.append(Found(value, m.start(), m.end()))
    return out


def find_amounts(text: str) -> list[Found]:
    """Every plain number in ``text`` (thousands commas allowed), as floats."""
    return [Found(float(m.group(1).replace(",", "")), m.start(), m.end()) for m in _AMOUNT.finditer(text)]


def month_index(d: date) -> int:
    """``year * 12 + month``: months subtract as integers."""
    return d.year * 12 + d.month

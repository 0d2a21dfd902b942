"""Reading request bodies: required fields, dates, months, resident IDs; errors collected per field."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from sandbox.errors import Refusal, invalid

_REGION = re.compile(r"^\d{6}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


class Body:
    """A JSON request body read field by field; :meth:`done` raises one error listing every bad field."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.errors: list[dict[str, str]] = []

    def _raw(self, field: str, required: bool) -> Any:
        value = self.data.get(field)
        if value in (None, "") and required:
            self.errors.append({"field": field, "reason": "required"})
        return value

    def text(self, field: str, *, required: bool = True, max_length: int = 200) -> str | None:
        """A string field."""
        value = self._raw(field, required)
        if value in (None, ""):
            return None
        if not isinstance(value, str) or len(value) > max_length:
            self.errors.append({"field": field, "reason": f"must be a string of at most {max_length} characters"})
            return None
        return value.strip()

    def choice(self, field: str, options: tuple[str, ...], *, required: bool = True, default: str | None = None) -> str | None:
        """A string field with a fixed set of values."""
        value = self._raw(field, required and default is None)
        if value in (None, ""):
            return default
        if value not in options:
            self.errors.append({"field": field, "reason": "must be one of " + ", ".join(options)})
            return None
        return str(value)

    def flag(self, field: str, default: bool = False) -> bool:
        """A boolean field."""
        value = self.data.get(field, default)
        if not isinstance(value, bool):
            self.errors.append({"field": field, "reason": "must be true or false"})
            return default
        return value

    def amount(self, field: str, *, required: bool = True) -> float | None:
        """A positive number (yuan)."""
        value = self._raw(field, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            self.errors.append({"field": field, "reason": "must be a positive number"})
            return None
        return float(value)

    def day(self, field: str, *, required: bool = True) -> date | None:
        """A ``YYYY-MM-DD`` date."""
        value = self._raw(field, required)
        if value in (None, ""):
            return None
        text = str(value)
        try:
            if len(text) != 10:
                raise ValueError(text)
            return date.fromisoformat(text)
        except ValueError:
            self.errors.append({"field": field, "reason": "must be a date YYYY-MM-DD"})
            return None

    def month(self, field: str, *, required: bool = True) -> str | None:
        """A ``YYYY-MM`` month."""
        value = self._raw(field, required)
        if value in (None, ""):
            return None
        m = _MONTH.match(str(value))
        if not m or not 1 <= int(m.group(2)) <= 12:
            self.errors.append({"field": field, "reason": "must be a month YYYY-MM"})
            return None
        return str(value)

    def region(self, field: str, *, required: bool = True) -> str | None:
        """A 6-digit administrative division code."""
        value = self._raw(field, required)
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not _REGION.match(value):
            self.errors.append({"field": field, "reason": "must be a 6-digit region code"})
            return None
        return value

    def credit_code(self, field: str, *, required: bool = True) -> str | None:
        """An 18-character unified social credit code (format only; the check character is not enforced)."""
        value = self._raw(field, required)
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not _CREDIT_CODE.match(value.upper()):
            self.errors.append({"field": field, "reason": "must be an 18-character unified social credit code"})
            return None
        return value.upper()

    def resident_id(self, field: str = "resident_id", *, required: bool = True) -> str | None:
        """A resident ID number, checked for length, birth date and check character (not the area code)."""
        value = self._raw(field, required)
        if value in (None, ""):
            return None
        number = str(value).strip().upper()
        reason = resident_id_problem(number)
        if reason:
            raise Refusal("INVALID_RESIDENT_ID", 400, field=field, reason=reason)
        return number

    def done(self) -> None:
        """
        :raises Refusal: ``INVALID_REQUEST`` when any field was bad.
        """
        if self.errors:
            raise invalid(self.errors)


def resident_id_problem(number: str) -> str | None:
    """Why ``number`` is not a valid resident ID (``length``, ``format``, ``birth_date``, ``check_character``), or None."""
    if len(number) != 18:
        return "length"
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return "format"
    try:
        ric.get_birth_date(number)
    except ValidationError:
        return "birth_date"
    if ric.calc_check_digit(number) != number[17]:
        return "check_character"
    return None


def birth_date(resident_id: str) -> date:
    """The birth date written in a (valid) resident ID."""
    return ric.get_birth_date(resident_id)


def is_male(resident_id: str) -> bool:
    """Whether the sequence digit of a resident ID is odd (male)."""
    return int(resident_id[16]) % 2 == 1


def age_on(resident_id: str, day: date) -> int:
    """Age in whole years on ``day``."""
    born = birth_date(resident_id)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def make_resident_id(area: str = "110105", birth: date = date(1990, 3, 7), sequence: int = 123) -> str:
    """A valid 18-character resident ID number for test and demo data (odd sequence: male, even: female)."""
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")

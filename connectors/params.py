"""Reading an operator's parameters (given by the BPMN service task); problems become one
``INVALID_PARAMETERS`` business error listing every bad parameter, before anything is sent."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from connectors.messages import text
from engine.errors import BusinessError

_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")
_REGION = re.compile(r"^\d{6}$")
_CREDIT_CODE = re.compile(r"^[0-9A-Z]{18}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class Params:
    """One operator call's parameters, read one by one; :meth:`done` raises if any was bad."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params if isinstance(params, dict) else {}
        self.errors: list[dict[str, str]] = []

    def _get(self, name: str, required: bool) -> Any:
        value = self.params.get(name)
        if value is None or value == "":
            if required:
                self.errors.append({"parameter": name, "reason": "required"})
            return None
        return value

    def _bad(self, name: str, reason: str) -> None:
        self.errors.append({"parameter": name, "reason": reason})

    def text(self, name: str, *, required: bool = True, max_length: int = 200) -> str | None:
        """A string."""
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > max_length:
            self._bad(name, f"must be text of at most {max_length} characters")
            return None
        return value.strip()

    def identifier(self, name: str, *, required: bool = True) -> str | None:
        """An id given back by an adapter (letters, digits, ``-`` and ``_``)."""
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str) or not _ID.match(value):
            self._bad(name, "must be an id of letters, digits, - and _")
            return None
        return value

    def resident_id(self, name: str = "resident_id") -> str | None:
        """An 18-character resident ID number (format only; the adapter checks the rest)."""
        value = self._get(name, True)
        if value is None:
            return None
        number = str(value).strip().upper()
        if not _RESIDENT_ID.match(number):
            self._bad(name, "must be an 18-character resident ID number")
            return None
        return number

    def region(self, name: str, *, required: bool = True) -> str | None:
        """A 6-digit administrative division code."""
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str | int) or not _REGION.match(str(value)):
            self._bad(name, "must be a 6-digit region code")
            return None
        return str(value)

    def credit_code(self, name: str) -> str | None:
        """An 18-character unified social credit code."""
        value = self._get(name, True)
        if value is None:
            return None
        code = str(value).strip().upper()
        if not _CREDIT_CODE.match(code):
            self._bad(name, "must be an 18-character unified social credit code")
            return None
        return code

    def day(self, name: str, *, required: bool = True) -> str | None:
        """A date (a date object or ISO text) as ``YYYY-MM-DD``."""
        value = self._get(name, required)
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        raw = str(value)
        try:
            if len(raw) < 10:
                raise ValueError(raw)
            return date.fromisoformat(raw[:10]).isoformat()
        except ValueError:
            self._bad(name, "must be a date YYYY-MM-DD")
            return None

    def month(self, name: str, *, required: bool = True) -> str | None:
        """A month ``YYYY-MM``."""
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str) or not _MONTH.match(value):
            self._bad(name, "must be a month YYYY-MM")
            return None
        return value

    def choice(self, name: str, options: tuple[str, ...], *, default: str | None = None) -> str | None:
        """One of ``options`` (``default`` when not given; required when there is no default)."""
        value = self._get(name, default is None)
        if value is None:
            return default
        if value not in options:
            self._bad(name, "must be one of " + ", ".join(options))
            return None
        return str(value)

    def amount(self, name: str) -> float | None:
        """A positive number."""
        value = self._get(name, True)
        if value is None:
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = -1.0
        if isinstance(value, bool) or number <= 0:
            self._bad(name, "must be a positive number")
            return None
        return number

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean."""
        value = self.params.get(name, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            self._bad(name, "must be true or false")
            return default
        return value

    def done(self) -> None:
        """
        :raises BusinessError: ``INVALID_PARAMETERS`` with ``errors`` [{parameter, reason}] when any was bad.
        """
        if self.errors:
            summary = "; ".join(f"{e['parameter']}: {e['reason']}" for e in self.errors)
            raise BusinessError("INVALID_PARAMETERS", text("INVALID_PARAMETERS", "en", summary=summary), errors=self.errors)

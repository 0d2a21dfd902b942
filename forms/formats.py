"""The format registry: named checks behind the JSON Schema ``format`` keyword.

A check is ``check(value) -> Iterable[Finding]``: it returns nothing for a good value, error findings
for a bad one, and may add warnings or notes (which never block). Findings need no ``field``; the form
fills it in. By JSON Schema convention a check ignores values of types it does not describe (a number
given to ``date`` is the ``type`` keyword's business).

forms ships generic formats (``date``, ``date-time``, ``email``, ``year-month``); domain formats are
registered by the caller (e.g. ``casework.form_formats.register_casework_formats``). ``file`` is built
into forms (see :mod:`forms.files`) and cannot be registered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from jsonschema import FormatChecker

from forms.findings import Finding, Severity, error

FormatCheck = Callable[[Any], Iterable[Finding]]
FILE_FORMAT = "file"
_NAME = re.compile(r"[a-z][a-z0-9-]*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_YEAR_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


class FindingsRaised(Exception):
    """Carries a format check's findings through jsonschema's FormatChecker (as the error's cause)."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(", ".join(f.code for f in findings))
        self.findings = findings


class SeverityFormatChecker(FormatChecker):
    """A FormatChecker that fails a value when its check reports findings of the chosen severities."""

    severities: frozenset[Severity]


def check_date(value: Any) -> list[Finding]:
    """``YYYY-MM-DD``, a real calendar date."""
    if not isinstance(value, str):
        return []
    try:
        ok = bool(_DATE.fullmatch(value)) and bool(date.fromisoformat(value))
    except ValueError:
        ok = False
    return [] if ok else [error("DATE_INVALID")]


def check_date_time(value: Any) -> list[Finding]:
    """An RFC 3339 date and time with seconds and a UTC offset."""
    if not isinstance(value, str):
        return []
    try:
        ok = bool(_DATE_TIME.fullmatch(value)) and bool(datetime.fromisoformat(value.upper()))
    except ValueError:
        ok = False
    return [] if ok else [error("DATE_TIME_INVALID")]


def check_email(value: Any) -> list[Finding]:
    """A plausible e-mail address (one ``@``, a dot in the domain, no spaces)."""
    if not isinstance(value, str) or _EMAIL.fullmatch(value):
        return []
    return [error("EMAIL_INVALID")]


def check_year_month(value: Any) -> list[Finding]:
    """``YYYY-MM`` with month 01-12."""
    if not isinstance(value, str) or _YEAR_MONTH.fullmatch(value):
        return []
    return [error("YEAR_MONTH_INVALID")]


GENERIC_FORMATS: Mapping[str, FormatCheck] = {
    "date": check_date,
    "date-time": check_date_time,
    "email": check_email,
    "year-month": check_year_month,
}


class FormatRegistry:
    """Named format checks and the message texts for the codes they report."""

    def __init__(self, *, generic: bool = True) -> None:
        self._checks: dict[str, FormatCheck] = dict(GENERIC_FORMATS) if generic else {}
        self._messages: dict[str, dict[str, str]] = {}

    def register(
        self,
        name: str,
        check: FormatCheck,
        *,
        messages: Mapping[str, Mapping[str, str]] | None = None,
        replace: bool = False,
    ) -> None:
        """Add a format; ``messages`` (code -> {"zh", "en"}) are the texts of the codes it reports.

        :raises ValueError: for a malformed or reserved name, or a name already taken (unless ``replace``).
        """
        if not _NAME.fullmatch(name):
            raise ValueError(f"format name {name!r} must be lower-case letters, digits and hyphens")
        if name == FILE_FORMAT:
            raise ValueError("the 'file' format is built into forms and cannot be registered")
        if name in self._checks and not replace:
            raise ValueError(f"format {name!r} is already registered")
        self._checks[name] = check
        for code, texts in (messages or {}).items():
            self._messages[code] = dict(texts)

    def __contains__(self, name: object) -> bool:
        return name == FILE_FORMAT or name in self._checks

    def names(self) -> frozenset[str]:
        """The registered format names, ``file`` included."""
        return frozenset(self._checks) | {FILE_FORMAT}

    @property
    def messages(self) -> Mapping[str, Mapping[str, str]]:
        """Texts registered with the formats (code -> {"zh", "en"})."""
        return self._messages

    def check(self, name: str, value: Any) -> list[Finding]:
        """Run the check called ``name`` on ``value``.

        :raises KeyError: for an unknown format.
        """
        return list(self._checks[name](value))

    def copy(self) -> FormatRegistry:
        """An independent copy (a form keeps one, so later registrations do not change it)."""
        other = FormatRegistry(generic=False)
        other._checks = dict(self._checks)
        other._messages = {k: dict(v) for k, v in self._messages.items()}
        return other

    def format_checker(self, severities: Iterable[Severity]) -> SeverityFormatChecker:
        """A jsonschema FormatChecker failing values whose check reports findings of ``severities``."""
        wanted = frozenset(severities)
        checker = SeverityFormatChecker(formats=())
        checker.severities = wanted
        for name, func in self._checks.items():
            checker.checks(name, raises=FindingsRaised)(_failing_on(func, wanted))
        return checker


def _failing_on(func: FormatCheck, wanted: frozenset[Severity]) -> Callable[[Any], bool]:
    def run(value: Any) -> bool:
        found = [f for f in func(value) if f.severity in wanted]
        if found:
            raise FindingsRaised(found)
        return True

    return run

"""The social-insurance formats for forms: ``resident-id``, ``credit-code``, ``credit-code-strict``, ``bank-card``.

forms knows nothing of the domain; the caller builds a registry and adds these::

    registry = FormatRegistry()
    register_casework_formats(registry)
    form = load_form(folder, "enrol-schema.json", registry=registry)

``year-month`` is a generic format that forms ships itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from casework import identifiers
from forms import Finding, FormatRegistry, error, note, warning


def resident_id_findings(value: Any, *, today: date | None = None) -> list[Finding]:
    """Errors for a bad resident ID; a note when its area code is unknown (e.g. retired)."""
    if not isinstance(value, str):
        return []
    result = identifiers.validate_resident_id(value, today=today)
    return [error(i.code, **i.params) for i in result.errors] + [
        note(i.code, **i.params) for i in result.notes
    ]


def credit_code_findings(value: Any) -> list[Finding]:
    """Errors for a malformed credit code; a wrong check character alone is a warning HR must confirm."""
    if not isinstance(value, str):
        return []
    result = identifiers.validate_credit_code(value)
    if result.override_possible:
        params = result.errors[0].params
        return [warning("CREDIT_CODE_CHECK_UNCONFIRMED", override_required=True, **params)]
    return [error(i.code, **i.params) for i in result.errors]


def credit_code_strict_findings(value: Any) -> list[Finding]:
    """Errors for a malformed credit code, a wrong check character included."""
    if not isinstance(value, str):
        return []
    return [error(i.code, **i.params) for i in identifiers.validate_credit_code(value).errors]


def bank_card_findings(value: Any) -> list[Finding]:
    """Errors for a bank card number that is not 16-19 digits; a Luhn failure is a warning."""
    if not isinstance(value, str):
        return []
    result = identifiers.validate_bank_card(value)
    return [error(i.code, **i.params) for i in result.errors] + [
        warning(i.code, **i.params) for i in result.warnings
    ]


def register_casework_formats(
    registry: FormatRegistry, *, today: Callable[[], date] | None = None
) -> FormatRegistry:
    """Add the domain formats and their message texts to ``registry``; returns it.

    ``today`` gives the date a birth date may not be after (default: today in Asia/Shanghai), so
    that a moved engine clock applies to forms too.

    :raises ValueError: when one of the names is already registered.
    """

    def resident_id(value: Any) -> list[Finding]:
        return resident_id_findings(value, today=today() if today else None)

    messages = identifiers.MESSAGES
    registry.register("resident-id", resident_id, messages=messages)
    registry.register("credit-code", credit_code_findings, messages=messages)
    registry.register("credit-code-strict", credit_code_strict_findings, messages=messages)
    registry.register("bank-card", bank_card_findings, messages=messages)
    return registry

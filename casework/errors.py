"""The domain's errors: subclasses of the engine's error family, so the web maps them the same way,
and the small input checks that raise them.

Each carries a stable ``code`` and ``params`` (never a full resident ID); ``InvalidInput`` errors list
field-level problems in ``params['errors']`` as ``{"code", "field", "params", "severity"}``, the shape
forms use.
"""

from __future__ import annotations

from typing import Any

from engine.errors import Conflict, InvalidInput, NotFound


class PersonNotFound(NotFound):
    code = "PERSON_NOT_FOUND"


class EmployerNotFound(NotFound):
    code = "EMPLOYER_NOT_FOUND"


class CaseNotFound(NotFound):
    code = "CASE_NOT_FOUND"


class CaseAlreadyActive(Conflict):
    """The person already has an active case of this kind (answered 409); nothing was changed."""

    code = "CASE_ALREADY_ACTIVE"


class CaseStateConflict(Conflict):
    """The case is not in a state that allows the act (e.g. cancelling a closed case)."""

    code = "CASE_STATE_CONFLICT"


class DuplicateCreditCode(Conflict):
    code = "CREDIT_CODE_TAKEN"


def field_error(field: str, code: str, **params: Any) -> dict[str, Any]:
    """One field-level problem in the forms' shape."""
    return {"code": code, "field": field, "params": params, "severity": "error"}


def invalid(message: str, code: str, *errors: dict[str, Any], **params: Any) -> InvalidInput:
    """An :class:`InvalidInput` with ``code`` and the field-level ``errors``."""
    return InvalidInput(message, code=code, errors=list(errors), **params)


def check_name(name: Any, max_length: int) -> str:
    """A person's or employer's name with its white space folded.

    :raises InvalidInput: NAME_REQUIRED when it is missing or blank, NAME_TOO_LONG past ``max_length``.
    """
    text = " ".join(name.split()) if isinstance(name, str) else ""
    if not text:
        raise invalid("a name is required", "NAME_REQUIRED", field_error("name", "NAME_REQUIRED"))
    if len(text) > max_length:
        raise invalid("the name is too long", "NAME_TOO_LONG", field_error("name", "NAME_TOO_LONG", max=max_length))
    return text

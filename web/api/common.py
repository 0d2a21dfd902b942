"""Helpers shared by the API blueprints: the user, JSON bodies, paging arguments."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from engine.errors import InvalidInput
from web.api.errors import UnsupportedMediaType
from web.auth import User, current_user

MAX_LIMIT = 200


def me() -> User:
    """The signed-in user (routes are decorated with login_required/roles_required)."""
    user = current_user()
    assert user is not None
    return user


def field_error(field: str, code: str, message: str, **params: Any) -> InvalidInput:
    """A 400 error about one request field."""
    return InvalidInput(message, code="INVALID_INPUT", errors=[{"field": field, "code": code, "params": params}])


def json_body(required: bool = True) -> dict[str, Any]:
    """The request's JSON object body.

    :raises UnsupportedMediaType: when the body is not declared as JSON.
    :raises InvalidInput: when it is not a JSON object.
    """
    if not request.data and not required:
        return {}
    if not request.is_json:
        raise UnsupportedMediaType("send application/json", content_type=request.mimetype or "")
    value = request.get_json(silent=True)
    if not isinstance(value, dict):
        raise field_error("", "TYPE", "the body must be a JSON object", expected=["object"])
    return value


def int_arg(name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    """An integer query argument within bounds.

    :raises InvalidInput: when it is not an integer in range.
    """
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise field_error(name, "TYPE", f"{name} must be an integer", expected=["integer"]) from None
    if value < minimum or (maximum is not None and value > maximum):
        raise field_error(name, "RANGE", f"{name} must be between {minimum} and {maximum}", minimum=minimum, maximum=maximum)
    return value


def paging() -> tuple[int, int]:
    """(limit, offset) from the query string (limit 1-200, default 50)."""
    return int_arg("limit", 50, 1, MAX_LIMIT), int_arg("offset", 0, 0)


def page(items: list[Any], total: int, limit: int, offset: int) -> Any:
    """A list response with its exact total."""
    return jsonify({"items": items, "total": total, "limit": limit, "offset": offset})


def optional_str(body: dict[str, Any], key: str, max_length: int = 200) -> str | None:
    """A string member of a JSON body (None when absent).

    :raises InvalidInput: when it is present and not a string or too long.
    """
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise field_error(key, "TYPE", f"{key} must be a string of at most {max_length} characters", expected=["string"])
    return value

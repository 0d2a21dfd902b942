"""The one exception sandbox handlers raise to answer with an error: a code, an HTTP status, details."""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """Answer the request with ``{"error": {"code", "message", "details"}}`` and change nothing."""

    def __init__(self, code: str, http_status: int = 422, /, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.http_status = http_status
        self.details = details


def invalid(errors: list[dict[str, str]]) -> Refusal:
    """A 400 ``INVALID_REQUEST`` listing field errors ``[{"field", "reason"}]``."""
    summary = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
    return Refusal("INVALID_REQUEST", 400, errors=errors, summary=summary)

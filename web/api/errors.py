"""The ONE error handler: engine, access and auth errors -> HTTP statuses and JSON bodies
``{"error": {"code", "message", "details"}}``.

API requests (``/api/…``) always get JSON. Other requests get a plain HTTP error, or whatever the
pages register as ``app.extensions["shebao_html_errors"]`` (a callable taking the status, code and
exception).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from connectors.masking import scrub
from engine import errors
from engine.crypto import DataKeyError
from web.auth import Unauthenticated, is_api_request
from web.auth.signin import LoginFailed, LoginThrottled

log = logging.getLogger("shebao.web.api")


class PayloadTooLarge(errors.InvalidInput):
    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(errors.InvalidInput):
    code = "UNSUPPORTED_MEDIA_TYPE"


# Most specific first: the first class an error is an instance of decides its status.
STATUSES: tuple[tuple[type[BaseException], int], ...] = (
    (LoginThrottled, 429),
    (LoginFailed, 401),
    (Unauthenticated, 401),
    (PayloadTooLarge, 413),
    (UnsupportedMediaType, 415),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.InvalidInput, 400),
    (errors.InvalidDefinition, 400),
    (errors.EvaluationError, 400),
    (DataKeyError, 500),
)

HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_ERROR",
}


def status_of(exc: BaseException) -> int:
    """The HTTP status an engine/auth/access error is answered with."""
    for cls, status in STATUSES:
        if isinstance(exc, cls):
            return status
    return 400


def error_response(status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None) -> Any:
    """A JSON error response in the API's one shape (personal numbers in it masked)."""
    body = {"error": {"code": code, "message": scrub(message), "details": scrub(details if details is not None else {})}}
    return jsonify(body), status, headers or {}


def _html(status: int, code: str, exc: BaseException) -> Any:
    hook = current_app.extensions.get("shebao_html_errors")
    if hook is not None:
        return hook(status, code, exc)
    if isinstance(exc, HTTPException):
        return exc
    return default_exceptions[status]() if status in default_exceptions else InternalServerError()


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on ``app``."""

    @app.errorhandler(errors.EngineError)
    def engine_error(exc: errors.EngineError) -> Any:
        status = status_of(exc)
        headers: dict[str, str] = {}
        if isinstance(exc, LoginThrottled):
            headers["Retry-After"] = str(exc.retry_after)
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="shebao"'
        if status >= 500:
            log.error("request failed: %s", scrub(str(exc)))
        if not is_api_request():
            return _html(status, exc.code, exc)
        return error_response(status, exc.code, exc.message, exc.params, headers)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        code = HTTP_CODES.get(status, "HTTP_" + str(status))
        if not is_api_request():
            return _html(status, code, exc)
        headers = {}
        if status == 405 and getattr(exc, "valid_methods", None):
            headers["Allow"] = ", ".join(sorted(exc.valid_methods or ()))
        return error_response(status, code, exc.description or code, {}, headers)

    @app.errorhandler(InternalServerError)
    def internal_error(exc: InternalServerError) -> Any:
        # The app has logged the original exception already, masked (web.app.ShebaoFlask.log_exception).
        if not is_api_request():
            return _html(500, "INTERNAL_ERROR", exc)
        return error_response(500, "INTERNAL_ERROR", "the server could not handle the request")

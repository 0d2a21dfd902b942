"""The REST API ``/api/v1``: one blueprint per area, the OpenAPI document, JSON errors."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask

API_PREFIX = "/api/v1"


def build_blueprint() -> Blueprint:
    """The ``api`` blueprint with every area nested under it."""
    from web.api import cases, deployments, files, incidents, instances, me, messages, openapi, tasks

    api = Blueprint("api", __name__, url_prefix=API_PREFIX)
    for module in (openapi, me, deployments, instances, cases, tasks, files, messages, incidents):
        api.register_blueprint(module.bp)

    @api.after_request
    def _headers(response: Any) -> Any:
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
        return response

    return api


def register_api(app: Flask) -> None:
    """Register the API and the one error handler on ``app``."""
    from web.api.errors import register_error_handlers

    register_error_handlers(app)
    app.register_blueprint(build_blueprint())

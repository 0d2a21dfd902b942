"""The Flask application factory. Areas are blueprints; the engine is built once per app."""

from __future__ import annotations

import os
import traceback
from types import TracebackType
from typing import Any

from flask import Flask, request

from connectors.masking import scrub


class ShebaoFlask(Flask):
    """Flask whose log of an unhandled exception (message and traceback) has personal numbers masked."""

    def log_exception(self, exc_info: tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]) -> None:
        """Log an unhandled exception of a request, masked (Flask would log it as it is)."""
        text = "".join(traceback.format_exception(*exc_info)) if exc_info[0] is not None else ""
        self.logger.error("Exception on %s [%s]\n%s", request.path, request.method, scrub(text))


def create_app(config: dict[str, Any] | None = None, engine: Any = None) -> Flask:
    """Create the web app; ``engine`` defaults to one built from the environment."""
    app = ShebaoFlask(__name__)
    app.config.update(config or {})
    if engine is None:
        from web.bootstrap import build_engine

        engine = build_engine()
    app.extensions["shebao_engine"] = engine

    from web.uploads import DEFAULT_MAX_BYTES

    max_upload = int(app.config.get("SHEBAO_MAX_UPLOAD_BYTES") or os.environ.get("SHEBAO_MAX_UPLOAD_BYTES") or DEFAULT_MAX_BYTES)
    app.config.setdefault("SHEBAO_MAX_UPLOAD_BYTES", max_upload)
    app.config.setdefault("MAX_CONTENT_LENGTH", max_upload + 1024 * 1024)  # multipart overhead
    if app.config.get("SHEBAO_TRUSTED_PROXIES") or os.environ.get("SHEBAO_TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config.get("SHEBAO_TRUSTED_PROXIES") or os.environ.get("SHEBAO_TRUSTED_PROXIES") or 1)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from web.i18n import init_i18n

    init_i18n(app)

    from web.auth import init_auth

    init_auth(app, engine)

    from web.api import register_api
    from web.health import bp as health_bp

    app.register_blueprint(health_bp)
    register_api(app)

    from web.pages import register_pages

    register_pages(app)

    @app.after_request
    def _security_headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app

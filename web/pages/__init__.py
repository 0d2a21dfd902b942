"""HTML pages: the HR inbox, the task page, the employee portal, case progress and notifications."""

from __future__ import annotations

from typing import Any

from flask import Flask


def _code_label(code: str) -> str:
    """A short name of a risk warning code (``RISK_<code>`` in the catalog), else the code."""
    from web.i18n import translate_code

    text = translate_code("RISK_" + code)
    return code if text == "RISK_" + code else text


def _severity_of(code: str) -> str:
    from casework.warnings import CATALOGUE

    spec = CATALOGUE.get(code)
    return spec.severity if spec else "warning"


def _html_error(status: int, code: str, exc: BaseException) -> Any:
    """The HTML error page (the API error handler calls this for page requests)."""
    from flask import render_template

    params = getattr(exc, "params", None) or {}
    return render_template("errors/error.html", status=status, code=code, params=params), status


def register_pages(app: Flask) -> None:
    """Register the page blueprints and the helpers their templates use on ``app``."""
    from forms.messages import human_size
    from web.auth import current_user
    from web.pages import inbox, notifications, portal, site
    from web.pages.common import local_time

    app.jinja_env.add_extension("jinja2.ext.do")
    for bp in (site.bp, inbox.bp, portal.bp, notifications.bp):
        app.register_blueprint(bp)

    app.extensions["shebao_html_errors"] = _html_error

    @app.context_processor
    def page_helpers() -> dict[str, Any]:
        return {
            "page_user": current_user,
            "bell_count": notifications.unread_count,
            "code_label": _code_label,
            "severity_of": _severity_of,
            "local_time": local_time,
            "human_size": human_size,
        }

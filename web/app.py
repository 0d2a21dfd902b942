"""The Flask application factory. Areas are blueprints; the engine is built once per app."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify

from engine.errors import Conflict, EngineError, InvalidDefinition, InvalidInput, NotFound


def create_app(config: dict[str, Any] | None = None, engine: Any = None) -> Flask:
    """Create the web app; ``engine`` defaults to one built from the environment."""
    app = Flask(__name__)
    app.config.update(config or {})
    if engine is None:
        from web.bootstrap import build_engine

        engine = build_engine()
    app.extensions["shebao_engine"] = engine

    from web.health import bp as health_bp

    app.register_blueprint(health_bp)

    @app.errorhandler(EngineError)
    def engine_error(exc: EngineError) -> Any:
        status = 400
        if isinstance(exc, NotFound):
            status = 404
        elif isinstance(exc, Conflict):
            status = 409
        elif isinstance(exc, InvalidInput | InvalidDefinition):
            status = 400
        return jsonify({"error": exc.as_dict()}), status

    return app

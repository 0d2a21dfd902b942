"""The composition root: builds the engine with the product's connectors, forms and domain formats.

Entrypoints (command line, web server, worker) call :func:`build_engine`; nothing else wires
components together. Importing this module does not import Flask.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from engine.core import Engine
from engine.operators import OperatorRegistry
from engine.settings import Settings


def load_env_file(path: str | os.PathLike[str]) -> None:
    """Read ``KEY=value`` lines (the demo's generated secrets) into the environment, not overriding."""
    p = Path(path)
    if not p.is_file():
        return
    for line in p.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip())


HOST_MIGRATIONS = ("casework/migrations/versions", "web/migrations/versions")


def migration_locations() -> list[Path]:
    """The version folders of the product's own tables (Alembic branches beside the engine's)."""
    root = Path(__file__).resolve().parent.parent
    return [root / rel for rel in HOST_MIGRATIONS if (root / rel).is_dir()]


def migrate_database(url: str) -> set[str]:
    """Bring the database at ``url`` to the newest schema of the engine and the product; returns the revisions."""
    from engine.db.migrate import current_revisions, upgrade
    from engine.db.session import make_engine

    eng = make_engine(url)
    try:
        upgrade(eng, locations=migration_locations())
        return current_revisions(eng)
    finally:
        eng.dispose()


def build_operators(environ: dict[str, str] | None = None) -> OperatorRegistry:
    """The registry of every operator the product ships."""
    from connectors.config import ConnectorConfig
    from connectors.registry import register_connectors

    registry = OperatorRegistry()
    register_connectors(registry, ConnectorConfig.from_env(environ if environ is not None else dict(os.environ)))
    return registry


def form_validator() -> Any:
    """The form validation hook the engine calls before a task is completed."""
    from functools import lru_cache

    from casework.form_formats import register_casework_formats
    from engine.errors import InvalidInput
    from forms import FormatRegistry, parse_form

    formats = register_casework_formats(FormatRegistry())

    @lru_cache(maxsize=256)
    def form_for(path: str, schema: str, ui_schema: str | None) -> Any:
        return parse_form(schema, filename=path, ui_schema_source=ui_schema, registry=formats)

    def validate(path: str, schema: str, ui_schema: str | None, data: dict[str, Any]) -> None:
        result = form_for(path, schema, ui_schema).validate(data)
        if not result.ok:
            raise InvalidInput(
                "the form data is invalid: " + ", ".join(f"{e.field or '-'} {e.code}" for e in result.errors),
                errors=[f.as_dict() for f in result.errors],
                warnings=[f.as_dict() for f in result.warnings],
            )

    return validate


def build_engine(settings: Settings | None = None, *, operators: OperatorRegistry | None = None, **kwargs: Any) -> Engine:
    """The engine configured from the environment (``SHEBAO_*``), with the product's operators,
    form formats, the domain's evaluator functions and its recurring scans."""
    from casework.expressions import FUNCTIONS
    from casework.services import Casework
    from connectors.masking import scrub

    load_env_file(os.environ.get("SHEBAO_ENV_FILE", "var/secrets.env"))
    settings = settings or Settings.from_env()
    engine = Engine(
        settings,
        operators if operators is not None else build_operators(),
        validate_form=kwargs.pop("validate_form", None) or form_validator(),
        functions=kwargs.pop("functions", None) or FUNCTIONS,
        redact=kwargs.pop("redact", None) or scrub,
        **kwargs,
    )
    Casework.from_engine(engine).register_scans(engine.jobs)
    return engine

"""Schema migrations with Alembic, driven from code (``shebao db upgrade``).

The engine's revisions live in ``engine/migrations/versions``. A host that keeps tables of its own
(the domain, accounts) adds its version folders as further ``locations``: each is an Alembic branch
that depends on the engine's first revision, and ``upgrade`` brings every branch to its head.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(engine: Engine, locations: Sequence[str | os.PathLike[str]] = ()) -> Config:
    """Alembic configuration for ``engine`` with the engine's revisions and the host's ``locations``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    folders = [str(MIGRATIONS / "versions"), *(str(Path(p)) for p in locations)]
    cfg.set_main_option("version_locations", os.pathsep.join(folders))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine, revision: str = "heads", locations: Sequence[str | os.PathLike[str]] = ()) -> None:
    """Bring the schema to ``revision`` (every branch's newest by default)."""
    cfg = alembic_config(engine, locations)
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="DEFERRED")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()


def current_revisions(engine: Engine) -> set[str]:
    """The revisions the database is at, one per branch (empty when never migrated)."""
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def current_revision(engine: Engine) -> str | None:
    """The engine branch's revision (None when never migrated); kept for single-branch callers."""
    heads = current_revisions(engine)
    engine_revs = {s.revision for s in ScriptDirectory.from_config(alembic_config(engine)).walk_revisions()}
    ours = heads & engine_revs
    return next(iter(ours)) if ours else None


def head_revisions(engine: Engine, locations: Sequence[str | os.PathLike[str]] = ()) -> set[str]:
    """The newest revision of every branch this code knows."""
    return set(ScriptDirectory.from_config(alembic_config(engine, locations)).get_heads())


def head_revision(engine: Engine) -> str | None:
    """The engine branch's newest revision."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def is_at_head(engine: Engine, locations: Sequence[str | os.PathLike[str]] = ()) -> bool:
    """True when every branch (the engine's and the host's ``locations``) is at its newest revision."""
    return head_revisions(engine, locations) <= current_revisions(engine)

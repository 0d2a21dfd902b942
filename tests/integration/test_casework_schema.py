"""The casework migration branch builds exactly the tables of casework/models.py (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from casework.models import Base
from engine.db.migrate import current_revisions
from engine.db.session import make_engine


def test_the_migrated_casework_tables_match_the_models(database_url):
    eng = make_engine(database_url)
    try:
        assert "c0001" in current_revisions(eng)
        ours = set(Base.metadata.tables)
        with eng.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        mine = [d for d in diff if _table_of(d) in ours]
        assert mine == []
    finally:
        eng.dispose()


def _table_of(change):
    """The table a change of compare_metadata is about (changes are tuples, or lists of tuples)."""
    item = change[0] if isinstance(change, list) else change
    for part in item[1:]:
        table = getattr(part, "table", None)
        if table is not None:
            return table.name
        name = getattr(part, "name", None)
        if isinstance(name, str) and hasattr(part, "columns"):
            return name
        if isinstance(part, str) and part in Base.metadata.tables:
            return part
    return None

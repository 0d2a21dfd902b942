"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL: one database per test session (created here, dropped at the end), migrated once, its
tables emptied before each test. Where PostgreSQL cannot be reached the PostgreSQL half is skipped,
except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

pytest_plugins = ["tests.plugins.sandbox"]

PG_ADMIN_URL = os.environ.get("SHEBAO_TEST_PG_ADMIN_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
TEST_DATA_KEY = "test-data-key-0123456789-abcdefghijklmnopqrstuvwxyz"
FIXTURES = Path(__file__).parent / "fixtures"


def _pg_admin():  # type: ignore[no-untyped-def]
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str | None]:
    """A fresh, migrated PostgreSQL database for this test session (None when unreachable)."""
    name = f"shebao_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL} and CI=true: {exc}")
        yield None
        return
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    from web.bootstrap import migrate_database

    migrate_database(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies."""
    from web.bootstrap import migrate_database

    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate_database(f"sqlite:///{path}")
    return path


def _empty_pg(url: str) -> None:
    """Empty every table of the engine and the product (not the migration bookkeeping)."""
    from sqlalchemy import inspect

    eng = create_engine(url)
    with eng.begin() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        if tables:
            names = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        target = tmp_path / "shebao.db"
        shutil.copy(sqlite_template, target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("pg_url")
    if url is None:
        pytest.skip("PostgreSQL not reachable")
    _empty_pg(url)
    return url


@pytest.fixture
def engine_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """Environment variables that point every process of a test at the same database and clock."""
    return {
        "SHEBAO_DATABASE_URL": database_url,
        "SHEBAO_DATA_KEY": TEST_DATA_KEY,
        "SHEBAO_VAR_DIR": str(tmp_path / "var"),
        "SHEBAO_BLOB_DIR": str(tmp_path / "var" / "blobs"),
        "SHEBAO_CLOCK_FILE": str(tmp_path / "var" / "clock.json"),
        "SHEBAO_ENV_FILE": str(tmp_path / "var" / "none.env"),
        "SHEBAO_JOB_BACKOFF_SECONDS": "0.01",
    }

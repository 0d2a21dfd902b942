"""A throwaway PostgreSQL database for a benchmark run: created empty, dropped afterwards."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import create_engine, text


def pg_database(admin_url: str, label: str = "PostgreSQL") -> tuple[Any, str] | None:
    """(admin engine, URL of a new empty database), or None (with a note) when PostgreSQL cannot be reached."""
    name = f"shebao_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        print(f"{label} not reachable ({type(exc).__name__}); skipped")
        return None
    return admin, admin_url.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(admin: Any, url: str) -> None:
    """Drop the database :func:`pg_database` made, ending its sessions first."""
    name = url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()

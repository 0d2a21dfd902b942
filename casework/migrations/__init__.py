"""Alembic branch ``casework``: the domain tables beside the engine's (see engine/db/migrate.py)."""

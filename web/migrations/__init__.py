"""Alembic branch ``web``: the web application's tables (accounts, tokens, sessions, audit)."""

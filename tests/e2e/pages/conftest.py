"""Fixtures of the page tests: the app of tests/e2e with the fixture joiner process and accounts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.pages.harness import PagesWorld, build_world


@pytest.fixture
def pages(app: Any) -> PagesWorld:
    """The page-test world on the e2e app (SQLite and PostgreSQL)."""
    return build_world(app)

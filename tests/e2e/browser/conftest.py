"""Browser tests: Playwright driving Debian's chromium against the app served over real HTTP.

The app runs on SQLite with the sandbox bureau and banks and a worker thread. The browser is the
system's ``/usr/bin/chromium`` (``scripts/install-system-deps.sh`` installs it); Playwright's own
browser downloads are never used. Without chromium the tests are skipped locally and fail under CI.
Set ``SHEBAO_SCREENSHOTS=1`` to (re)write docs/screenshots/*.png while the tests run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_DATA_KEY
from tests.e2e.browser.live import LiveServer, WorkerThread
from tests.e2e.pages.harness import PagesWorld, build_world

CHROMIUM = os.environ.get("SHEBAO_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


def chromium_path() -> str:
    """The system chromium, or a skip (a failure under CI) when it is missing."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    message = f"chromium not found at {CHROMIUM}: run scripts/install-system-deps.sh"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def playwright_browser() -> Iterator[Any]:
    """One headless chromium for the session."""
    path = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu", "--lang=zh-CN"])
        yield browser
        browser.close()


def _operators(sandbox: Any) -> Any:
    """Bureau and bank operators pointing at the sandbox, and the OCR operators."""
    from connectors.registry import register_connectors
    from engine.operators import OperatorRegistry

    operators = OperatorRegistry()
    register_connectors(operators, sandbox.connector_config())
    return operators


@pytest.fixture
def site(tmp_path: Path, sqlite_template: Path, sandbox: Any) -> Iterator[tuple[PagesWorld, str]]:
    """The app on a fresh SQLite database, served over HTTP with a worker: (world, base URL)."""
    from tests.support.engines import make_engine
    from web.app import create_app
    from web.bootstrap import form_validator

    db = tmp_path / "shebao.db"
    shutil.copy(sqlite_template, db)
    env = {
        "SHEBAO_DATABASE_URL": f"sqlite:///{db}",
        "SHEBAO_DATA_KEY": TEST_DATA_KEY,
        "SHEBAO_BLOB_DIR": str(tmp_path / "blobs"),
        "SHEBAO_CLOCK_FILE": str(tmp_path / "clock.json"),
        "SHEBAO_JOB_BACKOFF_SECONDS": "0.01",
    }
    operators = _operators(sandbox)
    kwargs: dict[str, Any] = {"validate_form": form_validator()}
    try:
        from casework.expressions import FUNCTIONS

        kwargs["functions"] = FUNCTIONS
    except ImportError:
        pass
    engine = make_engine(env, operators, **kwargs)
    app = create_app(
        {"TESTING": False, "SECRET_KEY": "browser-test-secret", "SHEBAO_COOKIE_SECURE": False, "WTF_CSRF_SSL_STRICT": False},
        engine=engine,
    )
    world = build_world(app)
    server = LiveServer(app).start()
    worker = WorkerThread(engine).start()
    try:
        yield world, server.url
    finally:
        worker.stop()
        server.stop()
        engine.dispose()
    assert not worker.errors, worker.errors


@pytest.fixture
def new_page(playwright_browser: Any) -> Iterator[Any]:
    """A function opening a fresh browser context (own cookies) with a phone or desktop viewport."""
    contexts: list[Any] = []

    def make(width: int = 1280, height: int = 900, locale: str = "zh-CN") -> Any:
        context = playwright_browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> None:
    """Write docs/screenshots/<name>.png when SHEBAO_SCREENSHOTS=1 (otherwise nothing)."""
    if os.environ.get("SHEBAO_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

"""pytest fixtures for the sandbox bureau and banks (list ``tests.plugins.sandbox`` in ``pytest_plugins``).

- ``sandbox_session``: one in-process sandbox (bureau + icbc, ccb, boc on free 127.0.0.1 ports, real
  HTTP, SQLite files under a temporary folder, its own movable clock file) per test session.
- ``sandbox``: the same sandbox emptied for each test — data, ledger, request log, faults, callback URL
  and clock are reset before and after the test. ``sandbox.admin["bureau"]`` etc. seed data and read
  ledgers; ``sandbox.connector_config()`` points connectors at it; ``sandbox.set_date(date)`` moves
  the clock.
- ``callback_receiver``: a local HTTP endpoint recording the bureau's callbacks.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.clock import MovableClock
from sandbox.testing import CallbackReceiver, RunningSandbox, start_sandbox


@pytest.fixture(scope="session")
def sandbox_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """A running sandbox shared by the session (prefer ``sandbox``, which resets it)."""
    base = tmp_path_factory.mktemp("sandbox")
    running = start_sandbox(base / "data", MovableClock(base / "clock.json"))
    yield running
    running.stop()


@pytest.fixture
def sandbox(sandbox_session: RunningSandbox) -> Iterator[RunningSandbox]:
    """The session's sandbox, empty, with faults off and the clock at real time."""
    sandbox_session.reset()
    yield sandbox_session
    sandbox_session.reset()


@pytest.fixture
def callback_receiver() -> Iterator[CallbackReceiver]:
    """A local endpoint recording callbacks (set it with ``sandbox.admin["bureau"].set_callback_url``)."""
    receiver = CallbackReceiver()
    yield receiver
    receiver.stop()

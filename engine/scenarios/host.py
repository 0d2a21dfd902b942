"""What the scenario runner needs from the application that embeds it.

The runner is generic: it knows the engine and the scenario format. The host supplies the database
schema (its own tables beside the engine's), the engine as the product wires it (operators, form
validation, evaluator functions), and the outside world: external services to reset and arrange
before a scenario, callbacks to deliver after each step, generated documents for file fields.
:class:`ScenarioHost` is the bare host: plain engine, no external services.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.clock import MovableClock
from engine.core import Engine
from engine.errors import EngineError
from engine.settings import Settings


class ScenarioStepError(EngineError):
    """A step cannot be carried out (not a mismatch of expectations, but an act that failed)."""

    code = "SCENARIO_STEP_FAILED"


class ScenarioHost:
    """The bare host; the product's host overrides what it offers."""

    def start(self, workdir: Path, clock: MovableClock) -> None:
        """Called once before anything runs: start external services under ``workdir`` on ``clock``."""

    def migrate(self, url: str) -> None:
        """Bring the empty database at ``url`` to the newest schema."""
        from engine.db.migrate import upgrade
        from engine.db.session import make_engine

        eng = make_engine(url)
        try:
            upgrade(eng)
        finally:
            eng.dispose()

    def make_engine(self, settings: Settings, clock: MovableClock) -> Engine:
        """An engine on ``settings`` reading ``clock``."""
        return Engine(settings, clock=clock)

    def reset(self) -> None:
        """Before each scenario: empty the external services (the clock is set afterwards)."""

    def arrange(self, sandbox: dict[str, Any]) -> None:
        """Before each start: put the external services in the state the scenario's ``sandbox`` gives.

        :raises ScenarioStepError: when the host has no external services but the scenario needs some.
        """
        if sandbox:
            raise ScenarioStepError("this runner has no sandbox to arrange")

    def pump(self, engine: Engine) -> int:
        """After jobs ran: let the external services act and deliver their callbacks; returns how many."""
        return 0

    def make_file(self, engine: Engine, instance_id: str, spec: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        """Generate a document for a file field, store it as an attachment, return the field's value.

        ``spec`` is ``{"generated": type, "defects": [...], "seed": n, "format": f}``; ``data`` the
        instance's current data (whose ``person`` the document is about).

        :raises ScenarioStepError: when the host cannot generate documents of that type.
        """
        raise ScenarioStepError(f"this runner cannot generate {spec.get('generated')!r} documents")

    def close(self) -> None:
        """Stop what :meth:`start` started."""

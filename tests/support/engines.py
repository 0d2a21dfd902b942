"""Building engines in tests: the real engine on the test's database, with test operators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.core import Engine
from engine.operators import OperatorRegistry
from engine.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def make_engine(env: dict[str, str], operators: OperatorRegistry | None = None, **kwargs: Any) -> Engine:
    """An engine configured only from ``env`` (not from the process environment)."""
    return Engine(Settings.from_env(env), operators or OperatorRegistry(), **kwargs)


def bpmn(name: str) -> dict[str, bytes]:
    """One fixture BPMN/DMN file as a deployable bundle."""
    path = FIXTURES / "bpmn" / name
    return {name: path.read_bytes()}


def files(*names: str) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for n in names:
        out.update(bpmn(n))
    return out

"""Scenario tests as the runner sees them: a process, a start, steps and final expectations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.errors import EngineError


class ScenarioFileError(EngineError):
    """One or more scenario files are malformed; ``params['errors']`` names file, line and key path."""

    code = "SCENARIO_INVALID"

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        first = problems[0] if problems else {"file": "?", "message": "invalid scenario"}
        super().__init__(describe_problem(first), errors=problems)


def describe_problem(problem: dict[str, Any]) -> str:
    """``file:line: key.path: message`` for one problem of a scenario file."""
    where = str(problem.get("file") or "")
    if problem.get("line"):
        where += f":{problem['line']}"
    key = problem.get("key")
    text = f"{key}: {problem['message']}" if key else str(problem["message"])
    return f"{where}: {text}" if where else text


@dataclass(frozen=True)
class Step:
    """One step of a scenario: ``kind`` is complete, advance, message or expect; ``spec`` its mapping."""

    number: int  # 1-based
    kind: str
    spec: dict[str, Any]
    line: int | None = None

    @property
    def label(self) -> str:
        """How failures name the step, e.g. ``step 3 (complete hr_review, line 21)``."""
        what = self.kind
        if self.kind == "complete":
            what += f" {self.spec['complete']}"
        elif self.kind == "advance":
            what += f" {self.spec['advance']}"
        elif self.kind == "message":
            what += f" {self.spec['message']['name']}"
        where = f", line {self.line}" if self.line else ""
        return f"step {self.number} ({what}{where})"


@dataclass(frozen=True)
class Scenario:
    """A validated scenario file."""

    path: Path
    name: str  # the file as given on the command line, for messages
    root: Path  # the process library the file belongs to (deployed once per run)
    folder: str  # the process folder under ``root``
    process: str
    title: str = ""
    clock: datetime | None = None
    sandbox: dict[str, Any] = field(default_factory=dict)
    start: dict[str, Any] = field(default_factory=dict)
    steps: tuple[Step, ...] = ()
    expect: dict[str, Any] = field(default_factory=dict)
    expect_line: int | None = None

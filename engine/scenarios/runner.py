"""Running scenario files against a freshly deployed process library, and tallying coverage.

Per process library (``workflows/``): one migrated SQLite database in a temporary folder, the whole
library deployed into it once (folder by folder when the whole will not deploy, so one broken
process fails only its own scenarios). Per scenario: a copy of that database, a new engine, the
external services reset, the clock set, the instance started, the steps run; after every act the
due jobs run and the host delivers callbacks until nothing more happens.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine.clock import MovableClock, parse_duration
from engine.core import Engine
from engine.crypto import generate_data_key
from engine.db.models import IncidentStatus, Job, JobStatus, ProcessDefinition
from engine.errors import EngineError
from engine.scenarios.checks import Mismatch, Observed, check
from engine.scenarios.coverage import CoverageTally, graphs_from_files, taken_by_workflow
from engine.scenarios.deploying import deploy_library
from engine.scenarios.host import ScenarioHost, ScenarioStepError
from engine.scenarios.model import Scenario, Step
from engine.settings import Settings
from engine.tasks import InboxFilter

WORKER = "scenario-runner"


class NeverQuiet(ScenarioStepError):
    """Jobs kept coming after a step: a loop that never waits."""

    code = "SCENARIO_NEVER_QUIET"


@dataclass
class Failure:
    """Where a scenario failed first and why."""

    where: str  # "start", "step 3 (expect, line 21)", "final expect"
    message: str
    mismatch: Mismatch | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {"where": self.where, "message": self.message, **({"check": self.mismatch.as_dict()} if self.mismatch else {})}


@dataclass
class ScenarioResult:
    """The outcome of one scenario."""

    scenario: Scenario
    failure: Failure | None = None
    instance_id: str | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        s = self.scenario
        return {"file": s.name, "process": s.process, "title": s.title, "passed": self.passed,
                "failure": self.failure.as_dict() if self.failure else None, "steps": len(s.steps)}


@dataclass
class RunReport:
    """Every scenario's result and the coverage of each process library."""

    results: list[ScenarioResult] = field(default_factory=list)
    tallies: list[CoverageTally] = field(default_factory=list)
    deploy_errors: dict[str, str] = field(default_factory=dict)  # process folder -> why it did not deploy

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)


class _Library:
    """One deployed process library: its template database and its process graphs."""

    def __init__(self, root: Path, template: Path, errors: dict[str, str], tally: CoverageTally) -> None:
        self.root, self.template, self.errors, self.tally = root, template, errors, tally


class ScenarioRunner:
    """Runs scenarios with a host; use as a context manager so that the temporary folder goes away."""

    def __init__(
        self, host: ScenarioHost | None = None, *, max_jobs_per_step: int = 500, max_rounds: int = 100, keep: bool = False
    ) -> None:
        self.host = host or ScenarioHost()
        self.max_jobs_per_step = max_jobs_per_step
        self.max_rounds = max_rounds
        self.keep = keep
        self.workdir = Path(tempfile.mkdtemp(prefix="shebao-scenarios-"))
        self.clock = MovableClock(self.workdir / "clock.json")
        self.data_key = generate_data_key()
        self._libraries: dict[Path, _Library] = {}
        self._count = 0
        self.host.start(self.workdir, self.clock)

    def __enter__(self) -> ScenarioRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the host's services and delete the temporary folder (unless ``keep``)."""
        try:
            self.host.close()
        finally:
            if not self.keep:
                shutil.rmtree(self.workdir, ignore_errors=True)

    # -- libraries --------------------------------------------------------------------------------

    def settings(self, db: Path) -> Settings:
        """Engine settings for a database file of this run: retries without waiting, movable clock."""
        return Settings(
            database_url=f"sqlite:///{db}",
            data_key=self.data_key,
            blob_dir=self.workdir / "blobs",
            clock_file=self.clock.path,
            movable_clock=True,
            default_backoff_seconds=0.0,
            max_backoff_seconds=0.0,
        )

    def library(self, root: Path) -> _Library:
        """The deployed library at ``root`` (migrated and deployed on first use)."""
        key = root.resolve()
        if key in self._libraries:
            return self._libraries[key]
        template = self.workdir / f"library-{len(self._libraries)}.db"
        self.host.migrate(f"sqlite:///{template}")
        engine = self.host.make_engine(self.settings(template), self.clock)
        try:
            errors = deploy_library(engine, root)
            graphs = graphs_from_files(_deployed_bpmn(engine))
        finally:
            engine.dispose()
        lib = self._libraries[key] = _Library(root, template, errors, CoverageTally(graphs))
        return lib

    # -- running ----------------------------------------------------------------------------------

    def run_all(self, scenarios: Iterable[Scenario]) -> RunReport:
        """Run every scenario (grouped by library, in the given order within one)."""
        report = RunReport()
        for scenario in scenarios:
            lib = self.library(scenario.root)
            if lib.tally not in report.tallies:
                report.tallies.append(lib.tally)
                report.deploy_errors.update(lib.errors)
            report.results.append(self.run(scenario))
        return report

    def run(self, scenario: Scenario) -> ScenarioResult:
        """Run one scenario in a fresh copy of its library's database."""
        lib = self.library(scenario.root)
        lib.tally.count_scenario(scenario.process)
        result = ScenarioResult(scenario)
        if scenario.folder in lib.errors and lib.tally.process(scenario.process) is None:
            result.failure = Failure("deploy", f"{scenario.folder} did not deploy: {lib.errors[scenario.folder]}")
            return result
        self._count += 1
        db = self.workdir / f"scenario-{self._count}.db"
        _copy_sqlite(lib.template, db)
        engine: Engine | None = None
        try:
            self.host.reset()
            self._set_clock(scenario)
            self.host.arrange(scenario.sandbox)
            engine = self.host.make_engine(self.settings(db), self.clock)
            _Run(self, engine, scenario, result).go()
            if result.instance_id:
                row = engine.instances.get(result.instance_id)
                wf, _ = engine.advancer.restore(row)
                lib.tally.add(taken_by_workflow(wf, row.process_id, lib.tally.graphs))
        except Exception as exc:  # noqa: BLE001 - reported as the scenario's failure
            if result.failure is None:
                result.failure = Failure("setup", _describe(exc))
        finally:
            if engine is not None:
                engine.dispose()
            if not self.keep:
                db.unlink(missing_ok=True)
        return result

    def _set_clock(self, scenario: Scenario) -> None:
        if scenario.clock is None:
            self.clock.set_offset(timedelta(0))
        else:
            self.clock.set_offset(scenario.clock - datetime.now(UTC))

    def settle(self, engine: Engine) -> None:
        """Run due jobs and deliver callbacks until nothing more happens.

        :raises NeverQuiet: when more than ``max_jobs_per_step`` jobs ran, or ``max_rounds`` rounds
            of jobs and callbacks went by, without the instance coming to rest.
        """
        ran_total = 0
        for _ in range(self.max_rounds):
            ran = engine.run_jobs(WORKER, max_jobs=self.max_jobs_per_step - ran_total + 1)
            ran_total += ran
            if ran_total > self.max_jobs_per_step:
                raise NeverQuiet(
                    f"still busy after {self.max_jobs_per_step} jobs: a loop that never waits ({_due_jobs(engine)})"
                )
            if self.host.pump(engine) == 0 and ran == 0:
                return
        raise NeverQuiet(
            f"still busy after {self.max_rounds} rounds of jobs and callbacks: a loop that never waits ({_due_jobs(engine)})"
        )


class _Run:
    """One scenario's run: start, steps, final expectations."""

    def __init__(self, runner: ScenarioRunner, engine: Engine, scenario: Scenario, result: ScenarioResult) -> None:
        self.runner, self.engine, self.scenario, self.result = runner, engine, scenario, result

    def go(self) -> None:
        s = self.scenario
        try:
            start = s.start
            self.result.instance_id = self.engine.start(
                s.process, dict(start.get("data") or {}), subject_person=start.get("subject"),
                employer=start.get("employer"), city=start.get("city"),
            )
            self.runner.settle(self.engine)
        except Exception as exc:  # noqa: BLE001 - any failure of the start is the scenario's failure
            self.result.failure = Failure("start", _describe(exc))
            return
        for step in s.steps:
            failure = self.step(step)
            if failure is not None:
                self.result.failure = failure
                return
        if s.expect:
            where = "final expect" + (f" (line {s.expect_line})" if s.expect_line else "")
            mismatches = check(s.expect, self.observe(s.expect))
            if mismatches:
                self.result.failure = Failure(where, mismatches[0].message, mismatches[0])

    def step(self, step: Step) -> Failure | None:
        try:
            if step.kind == "expect":
                mismatches = check(step.spec["expect"], self.observe(step.spec["expect"]))
                return Failure(step.label, mismatches[0].message, mismatches[0]) if mismatches else None
            getattr(self, "_" + step.kind)(step.spec)
            self.runner.settle(self.engine)
        except Exception as exc:  # noqa: BLE001 - any failure of an act is the scenario's failure
            return Failure(step.label, _describe(exc))
        return None

    @property
    def iid(self) -> str:
        assert self.result.instance_id is not None
        return self.result.instance_id

    def _complete(self, spec: dict[str, Any]) -> None:
        element = spec["complete"]
        tasks = self.engine.tasks.list(InboxFilter(instance_id=self.iid))
        task = next((t for t in tasks if t.element_id == element), None)
        if task is None:
            ready = sorted({t.element_id for t in tasks})
            raise ScenarioStepError(f"{element} is not ready; ready: {', '.join(ready) or 'none'}")
        data = dict(spec.get("data") or {})
        if spec.get("files"):
            current = self.engine.instances.data(self.iid)
            for name, given in spec["files"].items():
                items = given if isinstance(given, list) else [given]
                refs = [self.runner.host.make_file(self.engine, self.iid, _file_spec(i), current) for i in items]
                _set_path(data, name, refs if isinstance(given, list) else refs[0])
        self.engine.complete_task(task.id, data, spec.get("as"))

    def _advance(self, spec: dict[str, Any]) -> None:
        self.runner.clock.advance(parse_duration(spec["advance"]))

    def _message(self, spec: dict[str, Any]) -> None:
        msg = spec["message"]
        self.engine.messages.receive(
            msg["name"], msg.get("correlation") or {"instance_id": self.iid}, msg.get("payload") or {},
            msg.get("id") or f"scenario-{uuid.uuid4()}",
        )

    def observe(self, expect: dict[str, Any]) -> Observed:
        """The instance as the expectations need it (history only when a path is expected)."""
        engine, iid = self.engine, self.iid
        row = engine.instances.get(iid)
        ready = [t.element_id for t in engine.tasks.list(InboxFilter(instance_id=iid))]
        path: list[str] = []
        if "path" in expect:
            with engine.db.reading() as uow:
                path = [h.element_id for h in engine.history.read(uow.session, iid) if h.event == "step_completed" and h.element_id]
        incidents = [f"{i.element_id}: {i.error}" for i in engine.jobs.incidents(IncidentStatus.OPEN) if i.instance_id == iid]
        flags = json.loads(row.risk_flags or "[]")
        return Observed(row.status.value, row.current_stage, ready, engine.instances.data(iid), path, incidents, flags)


def _set_path(data: dict[str, Any], name: str, value: Any) -> None:
    """Put ``value`` at a dotted field name (``uploads.id_card``), creating the objects on the way."""
    *parents, last = name.split(".")
    target = data
    for i, part in enumerate(parents):
        target = target.setdefault(part, {})
        if not isinstance(target, dict):
            raise ScenarioStepError(f"files: {'.'.join(parents[: i + 1])} is not an object in the form data")
    target[last] = value


def _file_spec(given: Any) -> dict[str, Any]:
    if isinstance(given, str):
        return {"generated": given.split(":", 1)[1]}
    return dict(given)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, EngineError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database consistently (the online backup API, not a file copy)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _due_jobs(engine: Engine) -> str:
    with engine.db.reading() as uow:
        jobs = uow.session.scalars(
            select(Job).where(Job.status == JobStatus.PENDING, Job.due_at <= engine.clock.now()).limit(5)
        )
        names = [f"{j.kind.value} {j.operator or j.element_id or ''}".strip() for j in jobs]
    return "due now: " + (", ".join(names) if names else "none")


def _deployed_bpmn(engine: Engine) -> dict[str, bytes]:
    """The BPMN files of the newest version of every deployed process, by path."""
    files: dict[str, bytes] = {}
    with engine.db.reading() as uow:
        newest: dict[str, ProcessDefinition] = {}
        for row in uow.session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.version)):
            newest[row.process_id] = row
        for row in newest.values():
            text = engine.definitions.file_text(uow.session, row, row.bpmn_path)
            if text is not None:
                files[row.bpmn_path] = text.encode("utf-8")
    return files


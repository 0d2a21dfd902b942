"""Running the process library (workflows/) in tests: an engine whose operators reach the sandbox, the
library deployed with its policy pack, and :class:`ProcessCase`, the moves a test makes on an instance
(start it with the shared process data, complete a ready task by element id, run jobs until quiet,
read its data, warnings and risk flags)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from casework.expressions import FUNCTIONS
from connectors.registry import register_connectors
from engine.core import Engine
from engine.db.models import InstanceStatus, ProcessInstance
from engine.definitions import DeployResult
from engine.operators import OperatorRegistry
from engine.tasks import InboxFilter
from sandbox.testing import RunningSandbox
from tests.conftest import TEST_DATA_KEY
from tests.support.engines import make_engine
from web.bootstrap import form_validator
from web.cli import collect_files

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / "workflows"
POLICIES = WORKFLOWS / "policies"


# --- the process library and its policy pack -------------------------------------------------------


def library(*folders: str) -> dict[str, bytes]:
    """The files of process-library folders by path relative to workflows/, as ``shebao deploy`` reads them."""
    files: dict[str, bytes] = {}
    for folder in folders:
        files.update({f"{folder}/{p}": b for p, b in collect_files((str(WORKFLOWS / folder),)).items()})
    return files


def deploy_library(engine: Engine, *folders: str) -> DeployResult:
    """Deploy the policy pack, then ``folders`` together (so call activities find their callees); the
    folders' deployment result."""
    engine.deploy(library("policies"))
    return engine.deploy(library(*folders))


def policy_pack() -> dict[str, bytes]:
    """The committed DMN files of the policy pack, by file name."""
    return {p.name: p.read_bytes() for p in sorted(POLICIES.glob("*.dmn"))}


def policy_pack_generator() -> Any:
    """scripts/build_policy_pack.py loaded as the module ``build_policy_pack``."""
    path = ROOT / "scripts" / "build_policy_pack.py"
    spec = importlib.util.spec_from_file_location("build_policy_pack", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_policy_pack", module)
    spec.loader.exec_module(module)
    return module


# --- engines ---------------------------------------------------------------------------------------


def sandbox_operators(sandbox: RunningSandbox) -> OperatorRegistry:
    """The product's bureau, bank and OCR operators, pointed at the sandbox."""
    registry = OperatorRegistry()
    register_connectors(registry, sandbox.connector_config(read_timeout=2.0))
    return registry


def process_engine(env: dict[str, str], sandbox: RunningSandbox) -> Engine:
    """The engine configured from ``env`` as the product runs it: operators pointed at the sandbox, on the
    sandbox's clock, with the casework functions in expressions and the forms' validation."""
    return make_engine(env, sandbox_operators(sandbox), clock=sandbox.clock, functions=FUNCTIONS,
                       validate_form=form_validator())


@contextmanager
def sandbox_engine(sqlite_template: Path, tmp_path: Path, sandbox: RunningSandbox) -> Iterator[Engine]:
    """A :func:`process_engine` on a copy of the migrated SQLite template (for tests of a process, not
    of the storage), one retry a second for failed service calls; disposed on exit."""
    db = tmp_path / "process.db"
    shutil.copy(sqlite_template, db)
    env = {"SHEBAO_DATABASE_URL": f"sqlite:///{db}", "SHEBAO_DATA_KEY": TEST_DATA_KEY,
           "SHEBAO_BLOB_DIR": str(tmp_path / "blobs"),
           "SHEBAO_JOB_RETRIES": "1", "SHEBAO_JOB_BACKOFF_SECONDS": "1"}
    engine = process_engine(env, sandbox)
    try:
        yield engine
    finally:
        engine.dispose()


def row_count(engine: Engine, model: type) -> int:
    """How many rows the table of ``model`` holds."""
    with engine.db.reading() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def run_in_threads(target: Callable[[], object], count: int) -> None:
    """Run ``target`` in ``count`` threads at once and wait until all of them have ended."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def run_jobs_until_quiet(engine: Engine) -> None:
    """Run service calls and due timers (of every instance) until nothing is due."""
    while engine.run_jobs():
        pass


def attach(engine: Engine, name: str, content_type: str, content: bytes, *, actor: str,
           instance_id: str | None = None) -> dict[str, Any]:
    """Save ``content`` as an attachment; the value a form's file field holds for it."""
    info = engine.save_attachment(name, content_type, content, instance_id=instance_id, actor=actor)
    return {"attachment_id": info.id, "name": info.name, "content_type": info.content_type, "size": info.size}


# --- one instance under test -----------------------------------------------------------------------


class ProcessCase:
    """One process instance under test and the moves a test makes on it."""

    def __init__(self, engine: Engine, instance_id: str) -> None:
        self.engine, self.id = engine, instance_id

    @classmethod
    def start(cls, engine: Engine, process_id: str, data: dict[str, Any], *, employer: str = "emp-1",
              city: str = "110100") -> ProcessCase:
        """Start ``process_id`` with the shared process ``data``, scoped to its ``person``, ``employer`` and
        ``city`` as the inbox sees them."""
        person_id = data["person"]["person_id"]
        instance_id = engine.start(process_id, data, subject_person=person_id, employer=employer, city=city)
        return cls(engine, instance_id)

    def run_jobs_until_quiet(self) -> None:
        """Run service calls and due timers (of every instance) until nothing is due."""
        run_jobs_until_quiet(self.engine)

    def ready(self) -> list[str]:
        """The element ids of the instance's ready user tasks, sorted."""
        return sorted(t.element_id for t in self.engine.tasks.list(InboxFilter(instance_id=self.id)))

    def task(self, element_id: str) -> Any:
        """The instance's ready user task at ``element_id``."""
        tasks = self.engine.tasks.list(InboxFilter(instance_id=self.id))
        found = [t for t in tasks if t.element_id == element_id]
        assert found, f"{element_id} is not ready; ready: {sorted(t.element_id for t in tasks)}"
        return found[0]

    def complete(self, element_id: str, data: dict[str, Any] | None = None, actor: str = "hr-1") -> None:
        """Complete the ready task at ``element_id`` with ``data`` as ``actor``, then run jobs until quiet."""
        self.engine.complete_task(self.task(element_id).id, data or {}, actor)
        self.run_jobs_until_quiet()

    def row(self) -> ProcessInstance:
        """The instance's row (status, stage, risk flags)."""
        return self.engine.instances.get(self.id)

    def status(self) -> InstanceStatus:
        """The instance's status."""
        return self.row().status

    def data(self) -> dict[str, Any]:
        """The instance's data as the engine keeps it."""
        return self.engine.instances.data(self.id)

    def latest_data(self) -> dict[str, Any]:
        """The data of the branch that moved last (the engine's ``instances.data`` takes any live branch)."""
        wf, _ = self.engine.advancer.restore(self.row())
        if wf.is_completed():
            return dict(wf.data)
        live = wf.get_tasks(state=TaskState.READY | TaskState.STARTED | TaskState.WAITING)
        return dict(max(live, key=lambda t: t.last_state_change).data)

    def warnings(self) -> list[dict[str, Any]]:
        """The case's warnings across all its branches."""
        return self.engine.instances.flag_items(self.id)

    def warning_codes(self) -> set[str]:
        """The codes of the case's warnings across all its branches."""
        return {w["code"] for w in self.warnings()}

    def risk_flags(self) -> list[str]:
        """The risk-flag codes the engine copied to the instance row."""
        return json.loads(self.row().risk_flags)

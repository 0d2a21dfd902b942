"""Engine throughput against raw SpiffWorkflow, measured in one run.

(a) raw in-memory SpiffWorkflow: create → run to the user task → serialize_json → deserialize_json
    (spec included, the library's default) → complete → finish;
(b) the same lifecycle through the engine on a SQLite file;
(c) the same on PostgreSQL (skipped with a note when it cannot be reached).
Process: start → three script tasks → exclusive gateway → user task → end.

Prints instances per second for each, the ratios b/a and c/a, and the stored bytes per waiting and
per finished instance (the encrypted state column, and the history written for it).

Usage: python bench/engine_throughput.py [--quick] [--n N] [--pg URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine  # noqa: E402
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

BPMN = ROOT / "tests" / "fixtures" / "bpmn" / "lifecycle.bpmn"
PG_ADMIN = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


def raw_spiff(n: int) -> float:
    """Instances per second of the raw library lifecycle."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(BPMN))
    spec, subs = parser.get_spec("lifecycle"), parser.get_subprocess_specs("lifecycle")
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    engine = PythonScriptEngine()
    t0 = time.perf_counter()
    for i in range(n):
        wf = BpmnWorkflow(spec, subs, script_engine=engine)
        wf.get_tasks(state=TaskState.READY)[0].data["amount"] = i
        wf.do_engine_steps()
        state = serializer.serialize_json(wf)
        wf = serializer.deserialize_json(state)
        wf.script_engine = engine
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data["approved"] = True
        task.run()
        wf.do_engine_steps()
        assert wf.is_completed()
    return n / (time.perf_counter() - t0)


def through_engine(url: str, n: int, work: Path) -> tuple[float, int, int, int]:
    """(instances/s, state bytes waiting, state bytes finished, history bytes per instance)."""
    from engine.core import Engine
    from engine.db.migrate import upgrade
    from engine.db.models import HistoryEntry, ProcessInstance
    from engine.db.session import make_engine
    from engine.settings import Settings
    from engine.tasks import InboxFilter

    upgrade(make_engine(url))
    settings = Settings(
        database_url=url,
        data_key="bench-data-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        blob_dir=work / "blobs",
        clock_file=work / "clock.json",
    )
    eng = Engine(settings)
    eng.deploy({"lifecycle.bpmn": BPMN.read_bytes()})
    eng.start("lifecycle", {"amount": 0})  # warm the spec cache
    waiting_sizes, finished_sizes = [], []
    t0 = time.perf_counter()
    for i in range(n):
        iid = eng.start("lifecycle", {"amount": i})
        task = eng.tasks.list(InboxFilter(instance_id=iid))[0]
        if i % 50 == 0:
            with eng.db.reading() as uow:
                waiting_sizes.append(len(uow.session.get(ProcessInstance, iid).state))
        eng.complete_task(task.id, {"approved": True}, "bench")
        if i % 50 == 0:
            with eng.db.reading() as uow:
                finished_sizes.append(len(uow.session.get(ProcessInstance, iid).state))
    rate = n / (time.perf_counter() - t0)
    with eng.db.reading() as uow:
        hist = uow.session.scalar(select(func.sum(func.length(func.coalesce(HistoryEntry.details, ""))))) or 0
        count = uow.session.scalar(select(func.count()).select_from(ProcessInstance)) or 1
    eng.dispose()
    return rate, int(statistics.median(waiting_sizes)), int(statistics.median(finished_sizes)), int(hist / count)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small counts, under 30 seconds")
    ap.add_argument("--n", type=int, default=None, help="instances per measurement")
    ap.add_argument("--pg", default=PG_ADMIN, help="PostgreSQL admin URL (a bench database is created)")
    args = ap.parse_args()
    n = args.n or (150 if args.quick else 1000)

    a = raw_spiff(n)
    print(f"(a) raw SpiffWorkflow, spec in state : {a:8.1f} instances/s")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        b, bw, bf, bh = through_engine(f"sqlite:///{work}/bench.db", n, work)
    print(f"(b) engine on SQLite file            : {b:8.1f} instances/s   b/a = {b / a:.2f}")
    print(f"    stored state: {bw} B waiting, {bf} B finished; history details {bh} B per instance")

    name = f"shebao_bench_{uuid.uuid4().hex[:8]}"
    admin = None
    try:
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        print(f"(c) PostgreSQL not reachable ({type(exc).__name__}); skipped")
        return
    try:
        with tempfile.TemporaryDirectory() as tmp:
            c, cw, cf, ch = through_engine(args.pg.rsplit("/", 1)[0] + "/" + name, n, Path(tmp))
        print(f"(c) engine on PostgreSQL             : {c:8.1f} instances/s   c/a = {c / a:.2f}")
        print(f"    stored state: {cw} B waiting, {cf} B finished; history details {ch} B per instance")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


if __name__ == "__main__":
    main()

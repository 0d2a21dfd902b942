"""Engine throughput against raw SpiffWorkflow, measured in one run.

(a) raw in-memory SpiffWorkflow: create → run to the user task → serialize_json → deserialize_json
    (spec included, the library's default) → complete → finish;
(b) the same lifecycle through the engine on a SQLite file: start (run to the user task and store),
    list the instance's tasks, complete the user task, finish;
(c) the same on PostgreSQL (skipped with a note when it cannot be reached).
Process: start → three script tasks → exclusive gateway → user task → end.

The three are measured in interleaved rounds (a, b, c, a, b, c, …) so that a change in the machine's
load during the run weighs on all of them alike; each figure is its total instances over its total
time. Prints instances per second for each, the ratios b/a and c/a (and their spread over the
rounds), and the stored bytes per waiting and per finished instance (the encrypted state column, and
the history written for it).

Usage: python bench/engine_throughput.py [--quick] [--n N] [--rounds R] [--pg URL] [--skip-pg]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine  # noqa: E402
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.scratch_pg import drop_pg_database, pg_database  # noqa: E402

BPMN = ROOT / "tests" / "fixtures" / "bpmn" / "lifecycle.bpmn"
PG_ADMIN = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
DATA_KEY = "bench-data-key-0123456789-abcdefghijklmnopqrstuvwxyz"


class RawSpiff:
    """The library's own lifecycle, in memory."""

    def __init__(self) -> None:
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(BPMN))
        self.spec, self.subs = parser.get_spec("lifecycle"), parser.get_subprocess_specs("lifecycle")
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.script_engine = PythonScriptEngine()
        self.done = 0

    def run(self, count: int) -> float:
        """Run ``count`` lifecycles; the seconds they took."""
        t0 = time.perf_counter()
        for _ in range(count):
            wf = BpmnWorkflow(self.spec, self.subs, script_engine=self.script_engine)
            wf.get_tasks(state=TaskState.READY)[0].data["amount"] = self.done
            wf.do_engine_steps()
            state = self.serializer.serialize_json(wf)
            wf = self.serializer.deserialize_json(state)
            wf.script_engine = self.script_engine
            task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
            task.data["approved"] = True
            task.run()
            wf.do_engine_steps()
            assert wf.is_completed()
            self.done += 1
        return time.perf_counter() - t0


class ThroughEngine:
    """The lifecycle through the engine on one database."""

    def __init__(self, url: str, work: Path) -> None:
        from engine.core import Engine
        from engine.db.migrate import upgrade
        from engine.db.session import make_engine
        from engine.settings import Settings

        migrator = make_engine(url)
        upgrade(migrator)
        migrator.dispose()
        settings = Settings(database_url=url, data_key=DATA_KEY, blob_dir=work / "blobs", clock_file=work / "clock.json")
        self.eng = Engine(settings)
        self.eng.deploy({"lifecycle.bpmn": BPMN.read_bytes()})
        self.eng.start("lifecycle", {"amount": 0})  # warm the spec cache
        self.done = 0
        self.waiting_sizes: list[int] = []
        self.finished_sizes: list[int] = []

    def _state_size(self, instance_id: str) -> int:
        from engine.db.models import ProcessInstance

        with self.eng.db.reading() as uow:
            row = uow.session.get(ProcessInstance, instance_id)
            assert row is not None
            return len(row.state)

    def run(self, count: int) -> float:
        """Run ``count`` lifecycles; the seconds they took (the occasional size sample excluded)."""
        from engine.tasks import InboxFilter

        eng, spent = self.eng, 0.0
        for _ in range(count):
            i, self.done = self.done, self.done + 1
            t0 = time.perf_counter()
            iid = eng.start("lifecycle", {"amount": i})
            task = eng.tasks.list(InboxFilter(instance_id=iid))[0]
            spent += time.perf_counter() - t0
            if i % 50 == 0:
                self.waiting_sizes.append(self._state_size(iid))
            t0 = time.perf_counter()
            eng.complete_task(task.id, {"approved": True}, "bench")
            spent += time.perf_counter() - t0
            if i % 50 == 0:
                self.finished_sizes.append(self._state_size(iid))
        return spent

    def finish(self) -> tuple[int, int, int]:
        """(state bytes waiting, state bytes finished, history bytes per instance); disposes the engine."""
        from engine.db.models import HistoryEntry, ProcessInstance

        with self.eng.db.reading() as uow:
            hist = uow.session.scalar(select(func.sum(func.length(func.coalesce(HistoryEntry.details, ""))))) or 0
            count = uow.session.scalar(select(func.count()).select_from(ProcessInstance)) or 1
        self.eng.dispose()
        return int(statistics.median(self.waiting_sizes)), int(statistics.median(self.finished_sizes)), int(hist / count)


def interleaved(runners: dict[str, Callable[[int], float]], n: int, rounds: int) -> dict[str, list[float]]:
    """Seconds per round for each runner, the runners taking turns within every round."""
    sizes = [n // rounds + (1 if r < n % rounds else 0) for r in range(rounds)]
    spent: dict[str, list[float]] = {key: [] for key in runners}
    for size in sizes:
        for key, run in runners.items():
            spent[key].append(run(size))
    return spent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small counts, under 30 seconds")
    ap.add_argument("--n", type=int, default=None, help="instances per measurement")
    ap.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 20, 6 with --quick)")
    ap.add_argument("--pg", default=PG_ADMIN, help="PostgreSQL admin URL (a bench database is created)")
    ap.add_argument("--skip-pg", action="store_true", help="measure (a) and (b) only")
    args = ap.parse_args()
    n = args.n or (150 if args.quick else 1000)
    rounds = max(1, min(n, args.rounds or (6 if args.quick else 20)))

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "sqlite").mkdir()
        raw = RawSpiff()
        sqlite = ThroughEngine(f"sqlite:///{work}/sqlite/bench.db", work / "sqlite")
        runners: dict[str, Callable[[int], float]] = {"a": raw.run, "b": sqlite.run}
        pg = None if args.skip_pg else pg_database(args.pg, "(c) PostgreSQL")
        postgres = None
        if pg is not None:
            (work / "pg").mkdir()
            postgres = ThroughEngine(pg[1], work / "pg")
            runners["c"] = postgres.run
        try:
            per = interleaved(runners, n, rounds)
            rate = {key: n / sum(seconds) for key, seconds in per.items()}
            print(f"{n} instances each, in {rounds} interleaved rounds")
            a = rate["a"]
            print(f"(a) raw SpiffWorkflow, spec in state : {a:8.1f} instances/s")
            for key, label in (("b", "engine on SQLite file  "), ("c", "engine on PostgreSQL   ")):
                if key not in rate:
                    continue
                spread = sorted(sa / sk for sa, sk in zip(per["a"], per[key], strict=True))
                print(
                    f"({key}) {label}          : {rate[key]:8.1f} instances/s   {key}/a = {rate[key] / a:.2f}"
                    f"   (rounds: {spread[0]:.2f}–{spread[-1]:.2f}, median {statistics.median(spread):.2f})"
                )
                runner = sqlite if key == "b" else postgres
                assert runner is not None
                waiting, finished, hist = runner.finish()
                print(f"    stored state: {waiting} B waiting, {finished} B finished; history details {hist} B per instance")
        finally:
            if pg is not None:
                if postgres is not None:
                    postgres.eng.dispose()
                drop_pg_database(*pg)


if __name__ == "__main__":
    main()

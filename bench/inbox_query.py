"""Inbox queries on a large task table, on SQLite and PostgreSQL.

Fills ``human_tasks`` with ROWS rows (default one million: 10 % open, 50 candidate groups, some
claimed, due times spread over two months, 5 % with a risk flag, five stages), over instances of
five tasks each, then runs the inbox's main queries for HR users who each belong to one to three
groups, the way the inbox page and the API run them (engine.tasks.list + engine.tasks.count):

  groups   open tasks of my groups, first page by due time, and the exact count
  mine     tasks assigned to me, and the count
  overdue  my groups' open tasks past due, and the count
  risk     my groups' open tasks with a given risk flag, and the count
  stage    my groups' open tasks at a stage, and the count

Prints p50 and p95 in milliseconds per query (list and count together) on each database.

Usage: python bench/inbox_query.py [--rows N] [--users N] [--quick] [--pg URL] [--skip-pg]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bench.scratch_pg import drop_pg_database, pg_database  # noqa: E402
from engine.db.models import InstanceStatus, TaskStatus  # noqa: E402

PG_ADMIN = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
BPMN = ROOT / "tests" / "fixtures" / "bpmn" / "lifecycle.bpmn"
GROUPS = [f"hr:emp{i // 5}:{310100 + i % 5}" for i in range(50)]
STAGES = ["材料收集完成", "原单位停保确认", "社保转移中", "新单位参保完成", "社保卡就绪"]
FLAGS = ["GAP_FORECAST", "BASE_CONFLICT", "STAGE_OVERDUE"]
TASKS_PER_INSTANCE = 5


def rows(n_tasks: int, definition_id: str, now: datetime, seed: int = 7) -> Iterator[tuple[dict, list[dict]]]:
    """Instances with their tasks, in chunks: (instance row, task rows)."""
    rnd = random.Random(seed)
    for i in range(n_tasks // TASKS_PER_INSTANCE):
        iid = str(uuid.UUID(int=rnd.getrandbits(128)))
        group = rnd.choice(GROUPS)
        created = now - timedelta(days=rnd.uniform(0, 400))
        instance = {
            "id": iid,
            "definition_id": definition_id,
            "process_id": "lifecycle",
            "business_key": None,
            "active_key": None,
            "status": InstanceStatus.RUNNING,
            "state": "-",
            "serializer_version": "1",
            "subject_person": f"p{i}",
            "employer_scope": group.split(":")[1],
            "city_scope": group.split(":")[2],
            "current_stage": rnd.choice(STAGES),
            "risk_flags": "[]",
            "lock_version": 1,
            "has_open_tasks": False,
            "has_service_jobs": False,
            "has_timer": False,
            "waits_for_message": False,
            "created_at": created,
            "updated_at": created,
        }
        tasks = []
        for k in range(TASKS_PER_INSTANCE):
            is_open = rnd.random() < 0.10
            flags = f'["{rnd.choice(FLAGS)}"]' if rnd.random() < 0.05 else "[]"
            claimed = is_open and rnd.random() < 0.3
            tasks.append(
                {
                    "id": str(uuid.UUID(int=rnd.getrandbits(128))),
                    "instance_id": iid,
                    "process_id": "lifecycle",
                    "element_id": f"task_{k}",
                    "title": f"Task {k}",
                    "lane": "HR",
                    "candidate_group": group,
                    "assignee": f"hr{rnd.randrange(200)}" if claimed else None,
                    "subject_person": f"p{i}",
                    "stage": rnd.choice(STAGES),
                    "risk_flags": flags,
                    "status": TaskStatus.OPEN if is_open else TaskStatus.COMPLETED,
                    "due_at": now + timedelta(hours=rnd.uniform(-720, 720)),
                    "created_at": created,
                }
            )
        yield instance, tasks


def fill(url: str, n_tasks: int, work: Path) -> tuple[object, datetime]:
    """A migrated database at ``url`` holding ``n_tasks`` inbox rows; returns (engine, now)."""
    from engine.core import Engine
    from engine.db.models import HumanTask, ProcessInstance
    from engine.settings import Settings
    from web.bootstrap import migrate_database

    migrate_database(url)
    eng = Engine(
        Settings(
            database_url=url,
            data_key="bench-data-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            blob_dir=work / "blobs",
            clock_file=work / "clock.json",
        )
    )
    eng.deploy({"lifecycle.bpmn": BPMN.read_bytes()})
    with eng.db.reading() as uow:
        definition_id = uow.session.execute(text("SELECT id FROM process_definitions")).scalar_one()
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    if url.startswith("postgresql"):
        _copy_pg(eng, rows(n_tasks, definition_id, now))
    else:
        batch_i: list[dict] = []
        batch_t: list[dict] = []
        with eng.db.engine.begin() as conn:
            for inst, tasks in rows(n_tasks, definition_id, now):
                batch_i.append(inst)
                batch_t.extend(tasks)
                if len(batch_t) >= 50_000:
                    conn.execute(insert(ProcessInstance.__table__), batch_i)
                    conn.execute(insert(HumanTask.__table__), batch_t)
                    batch_i, batch_t = [], []
            if batch_i:
                conn.execute(insert(ProcessInstance.__table__), batch_i)
                conn.execute(insert(HumanTask.__table__), batch_t)
            conn.execute(text("ANALYZE"))
    print(f"    filled {n_tasks:,} task rows in {time.perf_counter() - t0:.0f} s")
    return eng, now


def _copy_pg(eng: object, chunks: Iterator[tuple[dict, list[dict]]]) -> None:
    """Bulk load with COPY (executemany of a million rows would measure the loader, not the inbox)."""
    raw = eng.db.engine.raw_connection()  # type: ignore[attr-defined]
    try:
        cur = raw.cursor()
        inst_buf, task_buf = io.StringIO(), io.StringIO()
        inst_cols = task_cols = None

        def flush() -> None:
            for buf, table, cols in ((inst_buf, "process_instances", inst_cols), (task_buf, "human_tasks", task_cols)):
                buf.seek(0)
                cur.copy_expert(f"COPY {table} ({', '.join(cols)}) FROM STDIN WITH (FORMAT text)", buf)
                buf.seek(0)
                buf.truncate()

        count = 0
        for inst, tasks in chunks:
            inst_cols = inst_cols or list(inst)
            task_cols = task_cols or list(tasks[0])
            inst_buf.write("\t".join(_pg_text(inst[c]) for c in inst_cols) + "\n")
            for t in tasks:
                task_buf.write("\t".join(_pg_text(t[c]) for c in task_cols) + "\n")
            count += len(tasks)
            if count >= 100_000:
                flush()
                count = 0
        flush()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def _pg_text(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def measure(eng: object, now: datetime, users: int) -> dict[str, list[float]]:
    """Milliseconds per (list + exact count) for each main inbox query, one sample per user."""
    from engine.tasks import InboxFilter

    rnd = random.Random(11)
    samples: dict[str, list[float]] = {k: [] for k in ("groups", "mine", "overdue", "risk", "stage")}
    tasks = eng.tasks  # type: ignore[attr-defined]

    def timed(name: str, f: InboxFilter) -> None:
        t0 = time.perf_counter()
        page = tasks.list(f)
        total = tasks.count(f)
        samples[name].append((time.perf_counter() - t0) * 1000)
        assert len(page) <= total

    for u in range(users):
        groups = tuple(rnd.sample(GROUPS, rnd.randint(1, 3)))
        who = f"hr{u % 200}"
        queries = [
            ("groups", InboxFilter(groups=groups, limit=50)),
            ("mine", InboxFilter(assignee=who, limit=50)),
            ("overdue", InboxFilter(groups=groups, overdue=True, now=now, limit=50)),
            ("risk", InboxFilter(groups=groups, risk_flag=rnd.choice(FLAGS), limit=50)),
            ("stage", InboxFilter(groups=groups, stage=rnd.choice(STAGES), limit=50)),
        ]
        for name, f in queries:
            timed(name, f)
    return samples


def report(label: str, samples: dict[str, list[float]]) -> None:
    print(f"  {label}")
    for name, values in samples.items():
        values = sorted(values)
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(f"    {name:8s} p50 {statistics.median(values):6.2f} ms   p95 {p95:6.2f} ms   ({len(values)} users)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="task rows (default one million)")
    ap.add_argument("--users", type=int, default=200, help="HR users whose inbox is queried")
    ap.add_argument("--quick", action="store_true", help="100,000 rows and 50 users")
    ap.add_argument("--pg", default=PG_ADMIN, help="PostgreSQL admin URL (a bench database is created)")
    ap.add_argument("--skip-pg", action="store_true")
    args = ap.parse_args()
    n_rows, users = (100_000, 50) if args.quick else (args.rows, args.users)
    print(f"inbox queries over {n_rows:,} task rows ({n_rows // 10:,} open), {len(GROUPS)} groups, {users} users")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print("SQLite")
        eng, now = fill(f"sqlite:///{work}/inbox.db", n_rows, work)
        measure(eng, now, 5)  # warm caches
        report("SQLite file", measure(eng, now, users))
        eng.dispose()  # type: ignore[attr-defined]

    if args.skip_pg:
        return
    pg = pg_database(args.pg)
    if pg is None:
        return
    try:
        with tempfile.TemporaryDirectory() as tmp:
            print("PostgreSQL")
            eng, now = fill(pg[1], n_rows, Path(tmp))
            measure(eng, now, 5)
            report("PostgreSQL", measure(eng, now, users))
            eng.dispose()  # type: ignore[attr-defined]
    finally:
        drop_pg_database(*pg)


if __name__ == "__main__":
    main()

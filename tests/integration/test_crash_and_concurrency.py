"""Nothing is lost: a worker killed mid-jobs, and two processes completing one task at once."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from engine.db.models import InstanceStatus
from engine.errors import TaskConflict
from engine.tasks import InboxFilter
from tests.support.engines import bpmn, make_engine
from tests.support.ledger import Ledger, ledger_operators

ROOT = Path(__file__).resolve().parents[2]
INSTANCES = 40


def _worker(env, ledger_path, *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.ledger_worker", str(ledger_path), *extra],
        cwd=ROOT,
        env={**os.environ, **env, "SHEBAO_JOB_LEASE_SECONDS": "30"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_a_worker_killed_mid_jobs_loses_nothing_and_each_effect_appears_once(engine_env, tmp_path):
    ledger = Ledger(tmp_path / "ledger.db")
    engine = make_engine(engine_env, ledger_operators(ledger))
    engine.deploy(bpmn("pay_only.bpmn"))
    ids = [engine.start("pay_only", {"amount": n}) for n in range(1, INSTANCES + 1)]

    worker = _worker(engine_env, ledger.path)
    deadline = time.monotonic() + 60
    while len(ledger.effects()) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    worker.stderr.close()
    done_before = len(ledger.effects())
    assert 0 < done_before < INSTANCES, "the kill must land in the middle of the jobs"

    # The dead worker's leases expire; a new worker takes the jobs over.
    engine.clock.advance(timedelta(seconds=31))
    restarted = _worker(engine_env, ledger.path, "--once")
    _, err = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, err.decode()

    for iid in ids:
        assert engine.instances.get(iid).status == InstanceStatus.COMPLETED, iid
    effects = ledger.effects()
    assert sorted(e[1] for e in effects) == sorted(ids)  # one effect per instance
    assert sorted(e[2] for e in effects) == list(range(1, INSTANCES + 1))
    assert ledger.calls() >= len(effects)
    engine.dispose()


def _complete_after_barrier(env, task_id, actor, barrier, results):
    engine = make_engine(env)
    engine.tasks.get(task_id)  # both have read the task (and its instance version) before acting
    barrier.wait(timeout=30)
    try:
        engine.complete_task(task_id, {"by": actor}, actor)
        results.put((actor, "ok"))
    except TaskConflict:
        results.put((actor, "conflict"))
    except Exception as exc:  # noqa: BLE001
        results.put((actor, f"error: {exc!r}"))
    finally:
        engine.dispose()


@pytest.mark.parametrize("round_", range(3))
def test_two_processes_completing_one_task_give_one_success_and_one_conflict(engine_env, round_):
    engine = make_engine(engine_env)
    engine.deploy(bpmn("lifecycle.bpmn"))
    iid = engine.start("lifecycle", {"amount": 1})
    task = engine.tasks.list(InboxFilter(instance_id=iid))[0]

    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_complete_after_barrier, args=(engine_env, task.id, who, barrier, results)) for who in ("alice", "bob")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    outcomes = dict(results.get(timeout=5) for _ in procs)
    assert sorted(outcomes.values()) == ["conflict", "ok"], outcomes

    winner = next(who for who, r in outcomes.items() if r == "ok")
    assert engine.instances.get(iid).status == InstanceStatus.COMPLETED
    assert engine.instances.data(iid)["by"] == winner
    with engine.db.reading() as uow:
        history = engine.history.read(uow.session, iid)
    completions = [h for h in history if h.event == "step_completed" and h.element_id == "review"]
    assert [h.actor for h in completions] == [winner]
    engine.dispose()

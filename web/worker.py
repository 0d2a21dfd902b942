"""The worker loop: APScheduler ticks run due jobs, schedule scans and write a heartbeat.

One scheduler per worker process, started only here (never at import, never in the web app), so
several workers can run side by side; each job is claimed by one of them through its lease.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from typing import Any

log = logging.getLogger("shebao.worker")


def default_worker_id() -> str:
    """``host:pid``, the worker id when none is given."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_worker(engine: Any, *, once: bool = False, worker_id: str | None = None, tick_seconds: float = 1.0) -> int:
    """Run jobs: with ``once``, everything due now and return the count; else until SIGTERM/SIGINT."""
    worker_id = worker_id or default_worker_id()
    if once:
        engine.jobs.heartbeat(worker_id)
        return engine.run_jobs(worker_id)

    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone="UTC")

    def tick() -> None:
        try:
            engine.jobs.heartbeat(worker_id)
            engine.run_jobs(worker_id)
        except Exception:  # noqa: BLE001 - the loop must survive a bad tick
            log.exception("worker tick failed")

    scheduler.add_job(tick, "interval", seconds=tick_seconds, max_instances=1, coalesce=True, id="tick")

    def stop(signum: int, frame: Any) -> None:
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per tick is noise
    log.info("worker %s started", worker_id)
    tick()
    scheduler.start()
    return 0

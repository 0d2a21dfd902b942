"""SQLite WAL checkpoints on a background thread, so that no commit waits for one.

In WAL mode SQLite appends each commit to the write-ahead log; a *checkpoint* copies the logged pages
back into the database file and, at ``synchronous=NORMAL``, is where the log and the database file
are synced to disk. By default the commit that grows the log past 1,000 pages runs the checkpoint
itself: every twentieth or so advance then waits for a thousand page reads and writes and two
fsyncs. SQLite's documentation offers the alternative used here: run checkpoints from a separate
thread. Each :class:`~engine.db.session.Database` on a SQLite file counts its commits; a daemon
thread checkpoints (``PRAGMA wal_checkpoint(PASSIVE)``, which never blocks readers or writers) after
every ``every`` commits and at the latest ``interval`` seconds after a commit, and ends after a while
without commits (the next commit starts it again). The engine's connections raise the automatic
checkpoint threshold to :data:`BACKSTOP_PAGES`, so that SQLite still checkpoints by itself should
this thread fall behind.

Durability is unchanged in kind — a commit is in the log when it returns and survives a crash of
the process — and its bound on power loss is tighter than before: the log is synced at most
``interval`` seconds after a commit, where SQLite alone syncs it only when the log fills up (never,
on a quiet system).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

log = logging.getLogger(__name__)

BACKSTOP_PAGES = 10_000  # wal_autocheckpoint of the engine's connections: SQLite's own checkpoints
IDLE_ROUNDS = 20  # intervals without a commit before the thread ends


class WalCheckpointer:
    """Checkpoints one SQLite database file from a background thread."""

    def __init__(self, path: str | Path, *, interval: float = 0.5, every: int = 100) -> None:
        self.uri = f"file:{quote(str(Path(path).resolve()))}?mode=rw"
        self.interval = interval
        self.every = every
        self.checkpoints = 0
        self._pending = 0
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the thread is running."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def notify(self, *_: Any) -> None:
        """Count one commit (an engine ``commit`` event listener); starts the thread when needed."""
        self._pending += 1
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="sqlite-wal-checkpoint", daemon=True)
                    self._thread.start()
        elif self._pending >= self.every:
            self._wake.set()

    def _run(self) -> None:
        me = threading.current_thread()
        idle = 0
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._thread is not me:  # closed
                return
            if self._pending == 0:
                idle += 1
                if idle < IDLE_ROUNDS:
                    continue
                with self._lock:
                    if self._pending == 0 and self._thread is me:  # else a commit came in meanwhile
                        self._thread = None
                        return
            idle = 0
            self._pending = 0
            self.checkpoint()

    def checkpoint(self) -> None:
        """Checkpoint now, from the calling thread; failures are logged, never raised."""
        try:
            conn = sqlite3.connect(self.uri, uri=True, timeout=0, isolation_level=None, check_same_thread=False)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                self.checkpoints += 1
            finally:
                conn.close()
        except Exception:  # noqa: BLE001 - a missed checkpoint is made up by the next one or by SQLite
            log.debug("WAL checkpoint of %s failed", self.uri, exc_info=True)

    def close(self) -> None:
        """Stop the thread; a later commit starts a new one."""
        with self._lock:
            thread, self._thread = self._thread, None
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

"""A running web server (waitress in a thread, on a free 127.0.0.1 port) and a worker thread."""

from __future__ import annotations

import threading
from typing import Any

from waitress import wasyncore
from waitress.server import create_server


class LiveServer:
    """Serves a Flask app over real HTTP until :meth:`stop`."""

    def __init__(self, app: Any, threads: int = 4) -> None:
        self.sockets: dict[int, Any] = {}
        self.server = create_server(app, map=self.sockets, host="127.0.0.1", port=0, threads=threads, clear_untrusted_proxy_headers=True)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, name="live-server", daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        # Close every socket from the server's own loop (closing them from here races its select()).
        self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self.sockets))
        self.thread.join(timeout=10)
        self.server.task_dispatcher.shutdown()


class WorkerThread:
    """Runs the engine's due jobs in a loop, like ``shebao worker``, until :meth:`stop`."""

    def __init__(self, engine: Any, interval: float = 0.2) -> None:
        self.engine = engine
        self.interval = interval
        self.stopping = threading.Event()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, name="worker", daemon=True)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.engine.run_jobs("browser-tests")
            except Exception as exc:  # noqa: BLE001 - recorded and reported by the fixture
                self.errors.append(exc)
            self.stopping.wait(self.interval)

    def start(self) -> WorkerThread:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)

"""`shebao serve --workers N`: several processes answer on one port and stop together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False)
    return [int(p) for p in out.stdout.split()]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_two_workers_serve_one_port_and_stop_together_on_sigterm(engine_env):
    env = {**os.environ, **engine_env, "SHEBAO_COOKIE_SECURE": "0", "SHEBAO_SECRET_KEY": "s" * 40}
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "web.cli", "serve", "--port", str(port), "--workers", "2", "--threads", "1"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(base + "/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        workers = children_of(server.pid)
        assert len(workers) == 2
        answers = [requests.get(base + "/healthz", timeout=5) for _ in range(20)]  # a new connection each
        assert all(a.status_code == 200 for a in answers)

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0
        time.sleep(0.2)
        assert not any(Path(f"/proc/{w}").exists() and "zombie" not in Path(f"/proc/{w}/status").read_text().lower() for w in workers)
    finally:
        if server.poll() is None:
            server.kill()

"""The engine benchmark's lifecycle over HTTP, against `shebao serve` (waitress).

Per instance, a client: starts it (running to its user task), lists its HR group's tasks for that
instance, completes the task, and reads the instance — four API requests with a bearer token. The
process is the engine benchmark's (start → three script tasks → gateway → user task → end), with its
user task in the HR lane so that it reaches the user's group inbox.

For each server size (1 and 2 worker processes, `shebao serve --workers N`) the same number of
client connections drive it, each a keep-alive connection in its own client process (so that the
clients' own interpreter lock is not what is measured). Prints instances per second and p50/p95 per
request kind. The server runs on 127.0.0.1 with a fresh SQLite database.

Usage: python bench/http_lifecycle.py [--n N] [--quick] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
BPMN = ROOT / "bench" / "fixtures" / "lifecycle_hr.bpmn"
SHEBAO = [sys.executable, "-m", "web.cli"]
EMPLOYER, CITY = "bench-employer", "310100"
KINDS = ("start", "list", "complete", "read")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shebao(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    out = subprocess.run([*SHEBAO, *args], env=env, cwd=ROOT, input=stdin, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"shebao {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout.strip()


def prepare(work: Path) -> tuple[dict[str, str], str]:
    """A migrated database with the process deployed and an HR user; returns (env, token)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SHEBAO_VAR_DIR": str(work),
        "SHEBAO_DATABASE_URL": f"sqlite:///{work}/bench.db",
        "SHEBAO_DATA_KEY": secrets.token_urlsafe(32),
        "SHEBAO_SECRET_KEY": secrets.token_urlsafe(32),
        "SHEBAO_ENV_FILE": str(work / "none.env"),
        "SHEBAO_COOKIE_SECURE": "0",
    }
    shebao(env, "db", "upgrade")
    shebao(env, "deploy", str(BPMN))
    shebao(env, "users", "add", "bench-hr", "--role", "hr", "--scope", f"{EMPLOYER}:{CITY}", "--password-stdin", stdin="bench-password-0123456789\n")
    token = shebao(env, "users", "token", "bench-hr", "--name", "bench").splitlines()[-1].strip()
    return env, token


def serve(env: dict[str, str], workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([*SHEBAO, "serve", "--port", str(port), "--workers", str(workers), "--threads", "2"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=1).ok:
                return proc, base
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not come up within 30 s")


def client(base: str, token: str, n: int) -> tuple[dict[str, list[float]], list[str]]:
    """Run ``n`` lifecycles on one keep-alive connection; returns (milliseconds per request kind, errors)."""
    samples: dict[str, list[float]] = {k: [] for k in KINDS}
    errors: list[str] = []
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    http.trust_env = False

    def call(kind: str, method: str, path: str, **kw: object) -> dict:
        t0 = time.perf_counter()
        r = http.request(method, base + path, timeout=30, **kw)  # type: ignore[arg-type]
        samples[kind].append((time.perf_counter() - t0) * 1000)
        if r.status_code >= 400:
            errors.append(f"{method} {path}: {r.status_code} {r.text[:200]}")
            raise RuntimeError(errors[-1])
        return r.json()

    for i in range(n):
        inst = call("start", "POST", "/api/v1/instances",
                    json={"process_id": "lifecycle_hr", "data": {"amount": i}, "employer": EMPLOYER, "city": CITY})
        iid = inst["id"]
        tasks = call("list", "GET", "/api/v1/tasks", params={"whose": "groups", "instance_id": iid})
        task_id = tasks["items"][0]["id"]
        call("complete", "POST", f"/api/v1/tasks/{task_id}/complete", json={"data": {"approved": True}})
        done = call("read", "GET", f"/api/v1/instances/{iid}")
        if done["status"] != "completed":
            errors.append(f"instance {iid} is {done['status']}")
    return samples, errors


def run(env: dict[str, str], token: str, workers: int, n_per_client: int) -> None:
    proc, base = serve(env, workers)
    try:
        for _ in range(workers * 2):
            client(base, token, 3)  # warm up every worker's caches
        with ProcessPoolExecutor(max_workers=workers) as pool:
            t0 = time.perf_counter()
            results = list(pool.map(client, [base] * workers, [token] * workers, [n_per_client] * workers))
            elapsed = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    samples: dict[str, list[float]] = {k: [] for k in KINDS}
    errors: list[str] = []
    for got, errs in results:
        for kind in KINDS:
            samples[kind].extend(got[kind])
        errors.extend(errs)
    threads = workers
    done = len(samples["read"])
    print(f"  {workers} server worker(s), {threads} client connection(s): {done / elapsed:6.1f} instances/s ({done} instances)")
    for kind in KINDS:
        values = sorted(samples[kind])
        if values:
            p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
            print(f"    {kind:8s} p50 {statistics.median(values):6.1f} ms   p95 {p95:6.1f} ms")
    if errors:
        print(f"    {len(errors)} errors, first: {errors[0]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="instances per client connection")
    ap.add_argument("--quick", action="store_true", help="50 instances per connection")
    ap.add_argument("--workers", default="1,2", help="server worker counts to measure")
    args = ap.parse_args()
    n = 50 if args.quick else args.n
    with tempfile.TemporaryDirectory() as tmp:
        env, token = prepare(Path(tmp))
        print(f"HTTP lifecycle against shebao serve (waitress, 2 threads per worker), SQLite file, {n} instances per connection")
        for workers in (int(x) for x in args.workers.split(",")):
            run(env, token, workers, n)


if __name__ == "__main__":
    main()

"""``shebao serve``: the web app under waitress, in one process or several sharing one socket.

Waitress serves with threads inside one process, so Python's global interpreter lock keeps a single
process on about one core. With ``workers`` > 1 the parent binds the listening socket once and forks
that many worker processes; each builds its own app (its own engine and database connections) and
accepts from the shared socket, and the kernel hands each new connection to one of them. The parent
only watches: SIGTERM or SIGINT stops every worker, and a worker that dies takes the server down
(a supervisor such as systemd restarts the whole unit, never half of it).
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any


def listening_socket(host: str, port: int, backlog: int = 1024) -> socket.socket:
    """A bound, listening TCP socket that forked workers can share."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def serve_app(make_app: Callable[[], Any], sock: socket.socket, threads: int) -> None:
    """Serve the app ``make_app`` builds on ``sock`` with waitress until stopped."""
    from waitress import serve as waitress_serve

    waitress_serve(make_app(), sockets=[sock], threads=threads)


def serve(make_app: Callable[[], Any], host: str, port: int, *, threads: int, workers: int) -> int:
    """Serve on ``host:port`` with ``workers`` processes of ``threads`` threads; returns an exit status."""
    if workers < 1 or threads < 1:
        raise ValueError("workers and threads must be at least 1")
    sock = listening_socket(host, port)
    if workers == 1:
        serve_app(make_app, sock, threads)
        return 0
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: serve, and never return into the parent's code
            status = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                serve_app(make_app, sock, threads)
            except BaseException:  # noqa: BLE001 - report and leave with a failure status
                import traceback

                traceback.print_exc()
                status = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
        children.append(pid)
    sock.close()

    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    status = 0
    remaining = set(children)
    while remaining:
        pid, code = os.wait()
        remaining.discard(pid)
        if not stopping:  # a worker died on its own: a failure, and the others stop too
            status = 1
            stop(signal.SIGTERM, None)
    return status

"""Start the sandbox: the bureau and every partner bank on their own 127.0.0.1 ports, in one process.

``serve_all(config)`` starts them in threads and returns at once; ``SandboxServers.wait()`` blocks
until ``stop()`` or Ctrl-C. The URLs and credentials of the running services are written to the
adapters file (``SHEBAO_ADAPTERS_FILE``, default ``<data dir>/adapters.json``, owner-readable only)
which the product's connectors read.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from engine.clock import clock_from_env
from sandbox.bank.app import BankService
from sandbox.bank.schema import SCHEMA as BANK_SCHEMA
from sandbox.bureau.app import BureauService
from sandbox.bureau.callbacks import CallbackSender
from sandbox.bureau.schema import SCHEMA as BUREAU_SCHEMA
from sandbox.config import SandboxConfig, write_private_json
from sandbox.db import Database
from sandbox.faults import FaultInjector
from sandbox.service import ServiceRuntime

log = logging.getLogger("sandbox")
http_log = logging.getLogger("sandbox.http")


class QuietRequestHandler(WSGIRequestHandler):
    """Request lines go to the ``sandbox.http`` logger at DEBUG (paths carry no personal numbers)."""

    protocol_version = "HTTP/1.1"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        http_log.debug("%s %s -> %s", self.command, self.path.split("?")[0], code)

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 - werkzeug's signature
        http_log.log(logging.ERROR if type == "error" else logging.DEBUG, message, *args)


@dataclass
class RunningService:
    """One service of a running sandbox."""

    code: str
    kind: str
    name: str
    url: str
    runtime: ServiceRuntime
    server: BaseWSGIServer
    thread: threading.Thread


class SandboxServers:
    """The running sandbox: its services, the bureau's tick thread, and how to stop them."""

    def __init__(self, config: SandboxConfig, services: dict[str, RunningService], bureau: BureauService) -> None:
        self.config = config
        self.services = services
        self.bureau = bureau
        self._stopped = threading.Event()
        self._ticker = threading.Thread(target=self._tick_loop, name="sandbox-tick", daemon=True)
        self._ticker.start()

    @property
    def urls(self) -> dict[str, str]:
        """Service code -> base URL."""
        return {code: s.url for code, s in self.services.items()}

    def adapters(self) -> dict[str, Any]:
        """The adapters-file content: URLs and credentials of every service, and the callback secret."""
        creds = self.config.credentials
        bureau = self.services["bureau"]
        return {
            "bureau": {"url": bureau.url, "app_key": creds["bureau"].app_key, "secret": creds["bureau"].secret,
                       "name": bureau.name},
            "banks": {
                code: {"url": s.url, "app_key": creds[code].app_key, "secret": creds[code].secret, "name": s.name}
                for code, s in self.services.items() if s.kind == "bank"
            },
            "callback": {"url": self.bureau.callback_url(), "secret": self.config.callback_secret},
            "pid": os.getpid(),
            "started_at": datetime.now(UTC).isoformat(),
        }

    def tick(self) -> dict[str, int]:
        """Advance transfers and deliver due callbacks now (the tick thread does it every few seconds)."""
        return self.bureau.tick()

    def _tick_loop(self) -> None:
        while not self._stopped.wait(self.config.tick_seconds):
            try:
                self.bureau.tick()
            except Exception:
                log.exception("sandbox tick failed")

    def stop(self) -> None:
        """Stop every server and the tick thread (idempotent)."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        for service in self.services.values():
            service.server.shutdown()
        for service in self.services.values():
            service.thread.join(timeout=10)
            service.server.server_close()
        self._ticker.join(timeout=10)
        self.bureau.sender.close()

    def wait(self) -> None:
        """Block until :meth:`stop` is called (from another thread or a signal handler)."""
        self._stopped.wait()

    def __enter__(self) -> SandboxServers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_all(config: SandboxConfig, *, echo: Callable[[str], None] | None = print) -> SandboxServers:
    """Start the bureau and the banks of ``config`` in threads; returns once all of them listen.

    Ports of 0 pick free ports. Prints one line per service through ``echo`` (None: silent) and
    writes the adapters file.

    :raises OSError: when a port is taken.
    """
    config = config.with_generated_secrets()
    clock = config.clock or clock_from_env()
    calendar = config.calendar if config.calendar is not None else _default_calendar()
    config = replace(config, clock=clock, calendar=calendar)
    services: dict[str, RunningService] = {}
    try:
        runtime = _runtime(config, "bureau", "bureau", "社会保险经办机构（沙箱）", BUREAU_SCHEMA,
                           {"transfer_workdays": dict(config.transfer_workdays)})
        sender = CallbackSender(
            runtime.db,
            app_key="bureau",
            secret=config.callback_secret or "",
            max_attempts=config.callback_max_attempts,
            backoff_seconds=config.callback_backoff_seconds,
            timeout_seconds=config.callback_timeout_seconds,
        )
        bureau = BureauService(runtime, callback_url=config.callback_url, sender=sender)
        services["bureau"] = _start(config, runtime, bureau.flask, config.bureau_port)
        for bank in config.banks:
            runtime = _runtime(config, bank.code, "bank", bank.name, BANK_SCHEMA,
                               {"bin": bank.bin, "production_workdays": config.card_production_workdays})
            services[bank.code] = _start(config, runtime, BankService(runtime).flask, bank.port)
    except BaseException:
        for service in services.values():
            service.server.shutdown()
            service.server.server_close()
        raise
    servers = SandboxServers(config, services, bureau)
    adapters_file = config.adapters_file or config.data_dir / "adapters.json"
    write_private_json(adapters_file, servers.adapters())
    if echo is not None:
        for service in services.values():
            echo(f"{service.code:8s} {service.name}  {service.url}")
        echo(f"adapters file: {adapters_file}")
    return servers


def _default_calendar() -> Any:
    from engine.workdays import WorkdayCalendar

    return WorkdayCalendar()


def _runtime(config: SandboxConfig, code: str, kind: str, name: str, schema: str, options: Mapping[str, Any]) -> ServiceRuntime:
    creds = config.credentials[code]
    return ServiceRuntime(
        code=code,
        kind=kind,
        name=name,
        db=Database(config.data_dir / f"{code}.sqlite3", schema),
        secrets={creds.app_key: creds.secret},
        clock=config.clock,  # type: ignore[arg-type]
        calendar=config.calendar,
        faults=FaultInjector(config.faults_for(code)),
        max_skew_seconds=config.max_skew_seconds,
        options=dict(options),
    )


def make_threaded_server(host: str, port: int, app: Any) -> BaseWSGIServer:
    """A threaded WSGI server listening on ``host:port`` (0: a free port).

    :raises OSError: when the address is taken (werkzeug alone would exit the process).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(128)
        # werkzeug duplicates the descriptor; ours is closed when the block ends
        return make_server(host, port, app, threaded=True, request_handler=QuietRequestHandler, fd=listener.fileno())


def _start(config: SandboxConfig, runtime: ServiceRuntime, app: Any, port: int) -> RunningService:
    server = make_threaded_server(config.host, port, app)
    thread = threading.Thread(target=server.serve_forever, name=f"sandbox-{runtime.code}", daemon=True)
    thread.start()
    url = f"http://{config.host}:{server.port}"
    return RunningService(runtime.code, runtime.kind, runtime.name, url, runtime, server, thread)


def run(config: SandboxConfig | None = None, *, echo: Callable[[str], None] | None = print,
        demo_data: bool = False) -> None:
    """Serve until Ctrl-C or SIGTERM (what ``shebao sandbox`` and ``python -m sandbox`` do).

    ``config`` defaults to :meth:`SandboxConfig.from_env`; ``demo_data`` loads
    :data:`sandbox.demo_data.DEMO` once the services listen.

    :raises OSError: when a port is taken.
    :raises ValueError: for malformed settings.
    """
    servers = serve_all(config or SandboxConfig.from_env(), echo=echo)
    if demo_data:
        from sandbox.admin import admin_clients
        from sandbox.demo_data import seed_demo

        clients = admin_clients(servers.adapters())
        seed_demo(clients)
        for client in clients.values():
            client.close()
        if echo is not None:
            echo("demo data loaded")
    previous = signal.signal(signal.SIGTERM, lambda *_: servers.stop())
    try:
        servers.wait()
    except KeyboardInterrupt:
        pass
    finally:
        servers.stop()
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    """``python -m sandbox``: run the sandbox until Ctrl-C (settings from the environment and options)."""
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Run the sandbox bureau and banks.")
    parser.add_argument("--dir", help="data folder (SHEBAO_SANDBOX_DIR)")
    parser.add_argument("--bureau-port", type=int, help="bureau port, 0 for a free one")
    parser.add_argument("--bank-ports", help="e.g. icbc=8711,ccb=8712,boc=8713 (0 for free ports)")
    parser.add_argument("--adapters-file", help="where to write URLs and credentials (SHEBAO_ADAPTERS_FILE)")
    parser.add_argument("--callback-url", help="the product's message endpoint (SHEBAO_SANDBOX_CALLBACK_URL)")
    parser.add_argument("--demo-data", action="store_true", help="load the demo employers, people and cards")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    for option, name in (
        ("dir", "SHEBAO_SANDBOX_DIR"),
        ("bureau_port", "SHEBAO_SANDBOX_BUREAU_PORT"),
        ("bank_ports", "SHEBAO_SANDBOX_BANK_PORTS"),
        ("adapters_file", "SHEBAO_ADAPTERS_FILE"),
        ("callback_url", "SHEBAO_SANDBOX_CALLBACK_URL"),
    ):
        value = getattr(args, option)
        if value is not None:
            env[name] = str(value)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    run(SandboxConfig.from_env(env), echo=lambda line: print(line, flush=True), demo_data=args.demo_data)
    return 0

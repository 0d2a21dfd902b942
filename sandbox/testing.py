"""Helpers for tests, benchmarks and the demo: an in-process sandbox on free ports, valid resident
IDs, and setting the shared clock to a business date."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from connectors.config import ConnectorConfig, ServiceEndpoint
from engine.clock import MovableClock
from sandbox.admin import AdminClient, admin_clients
from sandbox.config import DEFAULT_BANKS, SandboxConfig
from sandbox.run import SandboxServers, make_threaded_server, serve_all
from sandbox.service import SHANGHAI
from sandbox.validation import make_resident_id

__all__ = ["CallbackReceiver", "RunningSandbox", "make_resident_id", "set_business_date", "start_sandbox"]


def set_business_date(clock: MovableClock, day: date, at: time = time(10, 0)) -> datetime:
    """Move ``clock`` so that it reads ``day`` at ``at`` Asia/Shanghai (the offset may be negative)."""
    target = datetime.combine(day, at, SHANGHAI)
    real_now = clock.now() - clock.offset
    return clock.set_offset(target - real_now)


@dataclass
class RunningSandbox:
    """An in-process sandbox with its clock, admin clients and a matching connector configuration."""

    servers: SandboxServers
    clock: MovableClock
    admin: dict[str, AdminClient] = field(default_factory=dict)

    @property
    def urls(self) -> dict[str, str]:
        """Service code -> base URL."""
        return self.servers.urls

    def connector_config(self, *, read_timeout: float = 5.0, connect_timeout: float = 2.0, retries: int = 1) -> ConnectorConfig:
        """Connector settings pointing at this sandbox."""
        adapters = self.servers.adapters()
        bureau = adapters["bureau"]
        return ConnectorConfig(
            bureau=ServiceEndpoint("bureau", bureau["url"], bureau["app_key"], bureau["secret"], bureau["name"]),
            banks=tuple(
                ServiceEndpoint(code, b["url"], b["app_key"], b["secret"], b["name"])
                for code, b in adapters["banks"].items()
            ),
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries=retries,
            backoff_seconds=0.05,
        )

    def set_date(self, day: date, at: time = time(10, 0)) -> datetime:
        """Set the shared clock to ``day`` (Asia/Shanghai)."""
        return set_business_date(self.clock, day, at)

    def advance(self, days: int) -> datetime:
        """Move the clock forward by whole days."""
        return self.clock.advance(timedelta(days=days))

    def reset(self) -> None:
        """Empty every service, turn faults off, restore the configured callback URL, clock back to real time."""
        for client in self.admin.values():
            client.reset()
        self.clock.set_offset(timedelta(0))

    def stop(self) -> None:
        """Stop the servers and close the admin clients."""
        for client in self.admin.values():
            client.close()
        self.servers.stop()


def start_sandbox(data_dir: Path, clock: MovableClock, **options: Any) -> RunningSandbox:
    """Start the bureau and the three banks on free 127.0.0.1 ports with data under ``data_dir``.

    ``options`` are further :class:`sandbox.config.SandboxConfig` fields (e.g. ``callback_url``,
    ``tick_seconds``, ``faults``).
    """
    from engine.workdays import WorkdayCalendar

    config = SandboxConfig(
        data_dir=data_dir,
        bureau_port=0,
        banks=tuple(replace(b, port=0) for b in DEFAULT_BANKS),
        clock=clock,
        calendar=WorkdayCalendar(),
        **{"tick_seconds": 0.2, **options},
    )
    servers = serve_all(config, echo=None)
    return RunningSandbox(servers=servers, clock=clock, admin=admin_clients(servers.adapters()))


class CallbackReceiver:
    """A local HTTP endpoint that records the callbacks it receives; it can be told to fail for a while."""

    def __init__(self, path: str = "/api/v1/messages") -> None:
        self.path = path
        self.received: list[dict[str, Any]] = []
        self._failures: list[int] = []
        self._changed = threading.Condition()
        self._server = make_threaded_server("127.0.0.1", 0, self._app)
        self._thread = threading.Thread(target=self._server.serve_forever, name="callback-receiver", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The URL to configure as the bureau's callback URL."""
        return f"http://127.0.0.1:{self._server.port}{self.path}"

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next ``count`` callbacks with ``status`` (and do not record them)."""
        with self._changed:
            self._failures.extend([status] * count)

    def wait_for(self, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Block until ``count`` callbacks were recorded; returns them.

        :raises TimeoutError: when fewer arrived within ``timeout`` seconds.
        """
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.received) >= count, timeout):
                raise TimeoutError(f"{len(self.received)} of {count} callbacks arrived within {timeout} s")
            return list(self.received)

    def stop(self) -> None:
        """Stop listening."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _app(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")}
        with self._changed:
            if self._failures:
                status = self._failures.pop(0)
                start_response(f"{status} Failing On Purpose", [("Content-Type", "text/plain")])
                return [b"failing on purpose"]
            self.received.append({"method": environ["REQUEST_METHOD"], "path": environ.get("PATH_INFO", ""),
                                  "headers": headers, "body": body, "json": json.loads(body or b"null")})
            self._changed.notify_all()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"accepted": true}']

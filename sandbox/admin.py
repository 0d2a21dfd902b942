"""A client for the sandbox services' signed ``/admin/`` calls: seed data, read the ledger and the
request log, switch faults, set the callback URL, tick, reset. Used by tests and the demo."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import requests

from connectors.signing import signed_headers


class AdminError(RuntimeError):
    """An admin call was refused; ``status`` and ``error`` hold the answer."""

    def __init__(self, status: int, error: Any) -> None:
        super().__init__(f"admin call failed with {status}: {error}")
        self.status = status
        self.error = error


class AdminClient:
    """Signed admin calls to one sandbox service."""

    def __init__(self, base_url: str, app_key: str, secret: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_key = app_key
        self.secret = secret
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False

    def close(self) -> None:
        """Release the HTTP connections."""
        self.session.close()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, **query: Any) -> dict[str, Any]:
        """One signed call; returns the JSON answer.

        :raises AdminError: for any answer other than 2xx.
        """
        query = {k: v for k, v in query.items() if v is not None}
        full = path + ("?" + urlencode(query) if query else "")
        data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        signed_path = requests.Request(method, self.base_url + full).prepare().path_url
        headers = signed_headers(self.app_key, self.secret, method, signed_path, data)
        if body is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        response = self.session.request(method, self.base_url + full, data=data or None, headers=headers,
                                        timeout=self.timeout)
        payload = response.json() if response.content else {}
        if not 200 <= response.status_code < 300:
            raise AdminError(response.status_code, payload.get("error", payload))
        return payload

    def ledger(self, effect: str | None = None, idempotency_key: str | None = None) -> list[dict[str, Any]]:
        """Business effects recorded by the service, oldest first (optionally one effect or key)."""
        return self.call("GET", "/admin/ledger", effect=effect, idempotency_key=idempotency_key)["entries"]

    def requests(self) -> list[dict[str, Any]]:
        """Every business request the service received (method, path, status, key; no bodies)."""
        return self.call("GET", "/admin/requests")["requests"]

    def set_faults(self, **settings: Any) -> dict[str, Any]:
        """Replace the fault settings (see :class:`sandbox.faults.FaultConfig`); no arguments turns faults off."""
        return self.call("PUT", "/admin/faults", settings)

    def reset(self) -> None:
        """Delete all data, ledger and log of the service and turn faults off."""
        self.call("POST", "/admin/reset", {})

    def seed(self, data: dict[str, Any]) -> dict[str, Any]:
        """Add test data (bureau: employers, persons, employments; bank: cards)."""
        return self.call("POST", "/admin/seed", data)

    def set_arrears(self, credit_code: str, region: str, arrears: list[dict[str, Any]]) -> dict[str, Any]:
        """Bureau: replace an employer's arrears in a region (``[]`` clears them)."""
        return self.call("PUT", "/admin/arrears", {"credit_code": credit_code, "region": region, "arrears": arrears})

    def callbacks(self) -> list[dict[str, Any]]:
        """Bureau: queued callbacks with their delivery state."""
        return self.call("GET", "/admin/callbacks")["callbacks"]

    def set_callback_url(self, url: str | None) -> dict[str, Any]:
        """Bureau: where callbacks go from now on (None: back to the configured URL)."""
        return self.call("PUT", "/admin/settings", {"callback_url": url})

    def tick(self) -> dict[str, Any]:
        """Bureau: advance transfers to the business date and deliver due callbacks now."""
        return self.call("POST", "/admin/tick", {})


def admin_clients(adapters: dict[str, Any]) -> dict[str, AdminClient]:
    """Admin clients for every service of an adapters file (as written by :func:`sandbox.run.serve_all`)."""
    clients = {"bureau": AdminClient(adapters["bureau"]["url"], adapters["bureau"]["app_key"], adapters["bureau"]["secret"])}
    for code, bank in adapters.get("banks", {}).items():
        clients[code] = AdminClient(bank["url"], bank["app_key"], bank["secret"])
    return clients

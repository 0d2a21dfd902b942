"""The HTTP client every adapter connector uses: signing, timeouts, safe retries, error mapping.

One :class:`ServiceClient` (one ``requests.Session``) per adapter service. Every POST carries an
``Idempotency-Key`` (the engine job's key for business effects, a fresh one for queries), which makes
the quick in-call retries safe: connection failures, read timeouts, 429 and 502/503/504 are retried
``retries`` times with a short backoff. Whatever still fails is a :class:`AdapterCallFailed` (a
:class:`engine.errors.TechnicalError`, retried by the engine); a refusal of the adapter is a
:class:`engine.errors.BusinessError` with the adapter's code.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from connectors.config import ServiceEndpoint
from connectors.masking import scrub
from connectors.messages import text
from connectors.signing import HEADER_REPLAYED, signed_headers
from engine.errors import BusinessError, TechnicalError

log = logging.getLogger("connectors.http")

# Answers with these codes are faults of the call itself (ours or the adapter's), not business refusals.
TECHNICAL_CODES = frozenset(
    {
        "SIGNATURE_MISSING", "UNKNOWN_APP_KEY", "SIGNATURE_EXPIRED", "SIGNATURE_INVALID",
        "IDEMPOTENCY_KEY_REQUIRED", "IDEMPOTENCY_KEY_REUSED", "NOT_FOUND", "METHOD_NOT_ALLOWED",
        "SERVICE_UNAVAILABLE", "INTERNAL_ERROR",
    }
)


class AdapterCallFailed(TechnicalError):
    """An adapter call failed technically; ``code`` and ``params`` say how (translated via the catalog)."""

    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(text(code, "en", **params))
        self.code = code
        self.params = params


class ServiceClient:
    """Signed JSON calls to one adapter service."""

    def __init__(
        self,
        endpoint: ServiceEndpoint,
        *,
        connect_timeout: float = 3.05,
        read_timeout: float = 15.0,
        retries: int = 1,
        backoff_seconds: float = 0.2,
    ) -> None:
        self.endpoint = endpoint
        self.timeout = (connect_timeout, read_timeout)
        self.session = requests.Session()
        self.session.trust_env = False  # adapters are reached directly, never through an environment proxy
        retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            other=0,
            redirect=0,
            allowed_methods=frozenset({"GET", "POST"}),  # safe: every POST carries an Idempotency-Key
            status_forcelist=(429, 502, 503, 504),
            backoff_factor=backoff_seconds,
            respect_retry_after_header=False,
            raise_on_status=False,
            raise_on_redirect=False,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=16)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    def get(self, path: str) -> dict[str, Any]:
        """GET ``path``; the answer's JSON object.

        :raises BusinessError: for a refusal of the adapter.
        :raises AdapterCallFailed: for a technical failure.
        """
        return self._call("GET", path, None, None)

    def post(self, path: str, payload: dict[str, Any], idempotency_key: str | None = None) -> dict[str, Any]:
        """POST ``payload`` to ``path`` with ``idempotency_key`` (a fresh one for queries when None).

        :raises BusinessError: for a refusal of the adapter.
        :raises AdapterCallFailed: for a technical failure.
        """
        return self._call("POST", path, payload, idempotency_key or f"query-{uuid.uuid4()}")

    def _call(self, method: str, path: str, payload: dict[str, Any] | None, key: str | None) -> dict[str, Any]:
        service = self.endpoint.code
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        url = self.endpoint.base_url + path
        prepared_path = requests.Request(method, url).prepare().path_url
        headers = signed_headers(self.endpoint.app_key, self.endpoint.secret, method, prepared_path, body, key)
        headers["Accept"] = "application/json"
        if payload is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        started = time.monotonic()
        try:
            response = self.session.request(method, url, data=body or None, headers=headers, timeout=self.timeout)
        except requests.Timeout:
            self._log(method, path, "timeout", started, key)
            raise AdapterCallFailed("ADAPTER_TIMEOUT", service=service, path=path, seconds=self.timeout[1]) from None
        except requests.ConnectionError as exc:
            self._log(method, path, "unreachable", started, key)
            code = "ADAPTER_TIMEOUT" if "timed out" in str(exc).lower() else "ADAPTER_UNREACHABLE"
            raise AdapterCallFailed(code, service=service, path=path, seconds=self.timeout[1]) from None
        except requests.RequestException as exc:
            self._log(method, path, type(exc).__name__, started, key)
            raise AdapterCallFailed("ADAPTER_UNREACHABLE", service=service, path=path) from None
        replayed = response.headers.get(HEADER_REPLAYED) == "true"
        self._log(method, path, str(response.status_code) + (" replayed" if replayed else ""), started, key)
        return self._answer(response, method, path)

    def _answer(self, response: requests.Response, method: str, path: str) -> dict[str, Any]:
        service, status = self.endpoint.code, response.status_code
        try:
            data = response.json()
        except ValueError:
            data = None
        if 200 <= status < 300:
            if not isinstance(data, dict):
                raise AdapterCallFailed("ADAPTER_MALFORMED_RESPONSE", service=service, path=path, status=status)
            return data
        error = data.get("error") if isinstance(data, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        if status == 429:
            raise AdapterCallFailed("ADAPTER_THROTTLED", service=service, path=path)
        if status >= 500:
            raise AdapterCallFailed("ADAPTER_SERVER_ERROR", service=service, path=path, status=status)
        if status in (401, 403):
            raise AdapterCallFailed("ADAPTER_AUTH_FAILED", service=service, path=path, status=status, reason=code or "")
        if not isinstance(code, str) or not code or code in TECHNICAL_CODES or status not in (400, 404, 409, 422):
            raise AdapterCallFailed("ADAPTER_UNEXPECTED_ANSWER", service=service, path=path, status=status, reason=code or "")
        assert isinstance(error, dict)  # a str code was found inside it
        details = scrub(error.get("details") or {}) if isinstance(error.get("details"), dict) else {}
        service_message = scrub(str(error.get("message") or ""))
        extra = {k: v for k, v in details.items() if k not in ("code", "message", "service", "service_message")}
        raise BusinessError(code, text(code, "en", **extra), service=service, service_message=service_message, **extra)

    def _log(self, method: str, path: str, outcome: str, started: float, key: str | None) -> None:
        log.info(
            "%s %s %s -> %s in %d ms (key %s)",
            self.endpoint.code, method, path, outcome, (time.monotonic() - started) * 1000, key,
        )

"""Where the adapters are and how to authenticate to them, read from the environment.

Environment (all optional; a service left out is "not configured" and its operators fail with a
technical error that names the missing variable):

- ``SHEBAO_ADAPTERS_FILE``: a JSON file ``{"bureau": {"url", "app_key", "secret"}, "banks": {"icbc":
  {"url", "app_key", "secret", "name"}, ...}}`` (the sandbox writes one); the variables below override it.
- ``SHEBAO_BUREAU_URL``, ``SHEBAO_BUREAU_APP_KEY``, ``SHEBAO_BUREAU_SECRET``.
- ``SHEBAO_BANKS``: ``icbc=http://127.0.0.1:8711,ccb=http://127.0.0.1:8712`` (bank code = URL, in the
  order the banks are asked), with ``SHEBAO_BANK_<CODE>_APP_KEY`` and ``SHEBAO_BANK_<CODE>_SECRET``.
- ``SHEBAO_CONNECT_TIMEOUT`` (seconds, default 3.05), ``SHEBAO_READ_TIMEOUT`` (default 15),
  ``SHEBAO_CONNECTOR_RETRIES`` (quick in-call retries of safe failures, default 1; the engine's job
  retries come on top).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_BANK_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


class ConnectorConfigError(ValueError):
    """The connector configuration is malformed; the message names the variable and what is wrong."""


@dataclass(frozen=True)
class ServiceEndpoint:
    """One adapter service: its code (``bureau`` or a bank code), base URL and credentials."""

    code: str
    base_url: str
    app_key: str
    secret: str = field(repr=False)
    name: str = ""

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConnectorConfigError(f"{self.code}: base URL must be http(s)://host[:port][/prefix], got {self.base_url!r}")
        if not self.app_key or not self.secret:
            raise ConnectorConfigError(f"{self.code}: app key and secret are both required")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))


@dataclass(frozen=True)
class ConnectorConfig:
    """Adapter endpoints and HTTP behaviour for all connectors."""

    bureau: ServiceEndpoint | None = None
    banks: tuple[ServiceEndpoint, ...] = ()
    connect_timeout: float = 3.05
    read_timeout: float = 15.0
    retries: int = 1
    backoff_seconds: float = 0.2

    def bank(self, code: str) -> ServiceEndpoint:
        """The bank with this code.

        :raises KeyError: when no such bank is configured.
        """
        for bank in self.banks:
            if bank.code == code:
                return bank
        raise KeyError(code)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ConnectorConfig:
        """Configuration from ``SHEBAO_*`` variables (see the module docstring).

        :raises ConnectorConfigError: for a malformed value or a service without its credentials.
        """
        env = os.environ if environ is None else environ
        file_data = _read_adapters_file(env.get("SHEBAO_ADAPTERS_FILE", ""))
        bureau = _bureau_from(env, file_data.get("bureau") or {})
        banks = _banks_from(env, file_data.get("banks") or {})
        return cls(
            bureau=bureau,
            banks=banks,
            connect_timeout=_positive_float(env, "SHEBAO_CONNECT_TIMEOUT", 3.05),
            read_timeout=_positive_float(env, "SHEBAO_READ_TIMEOUT", 15.0),
            retries=_non_negative_int(env, "SHEBAO_CONNECTOR_RETRIES", 1),
        )


def _read_adapters_file(path: str) -> dict[str, Any]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConnectorConfigError(f"SHEBAO_ADAPTERS_FILE: no such file {path!r}") from None
    except ValueError as exc:
        raise ConnectorConfigError(f"SHEBAO_ADAPTERS_FILE: {path!r} is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ConnectorConfigError(f"SHEBAO_ADAPTERS_FILE: {path!r} must hold a JSON object")
    return data


def _bureau_from(env: Mapping[str, str], defaults: Mapping[str, Any]) -> ServiceEndpoint | None:
    url = env.get("SHEBAO_BUREAU_URL") or defaults.get("url")
    if not url:
        return None
    app_key = env.get("SHEBAO_BUREAU_APP_KEY") or defaults.get("app_key") or ""
    secret = env.get("SHEBAO_BUREAU_SECRET") or defaults.get("secret") or ""
    if not app_key or not secret:
        raise ConnectorConfigError("SHEBAO_BUREAU_APP_KEY and SHEBAO_BUREAU_SECRET are required with SHEBAO_BUREAU_URL")
    return ServiceEndpoint("bureau", str(url), str(app_key), str(secret), str(defaults.get("name", "")))


def _banks_from(env: Mapping[str, str], defaults: Mapping[str, Any]) -> tuple[ServiceEndpoint, ...]:
    urls: dict[str, str] = {
        code: str(item.get("url", "")) if isinstance(item, dict) else "" for code, item in defaults.items()
    }
    spec = env.get("SHEBAO_BANKS", "").strip()
    if spec:
        urls = {}
        for item in spec.split(","):
            code, sep, url = item.strip().partition("=")
            code = code.strip().lower()
            if not sep or not _BANK_CODE.match(code) or not url.strip():
                raise ConnectorConfigError(
                    f"SHEBAO_BANKS: expected code=URL items separated by commas (code: lower-case letters, "
                    f"digits, _), got {item.strip()!r}"
                )
            if code in urls:
                raise ConnectorConfigError(f"SHEBAO_BANKS: bank {code!r} is listed twice")
            urls[code] = url.strip()
    banks = []
    for code, url in urls.items():
        if not _BANK_CODE.match(code):
            raise ConnectorConfigError(f"SHEBAO_ADAPTERS_FILE: bad bank code {code!r}")
        entry = defaults.get(code) or {}
        if not isinstance(entry, dict):
            raise ConnectorConfigError(f"SHEBAO_ADAPTERS_FILE: bank {code!r} must be an object")
        key_var, secret_var = f"SHEBAO_BANK_{code.upper()}_APP_KEY", f"SHEBAO_BANK_{code.upper()}_SECRET"
        app_key = env.get(key_var) or entry.get("app_key") or ""
        secret = env.get(secret_var) or entry.get("secret") or ""
        if not app_key or not secret:
            raise ConnectorConfigError(f"{key_var} and {secret_var} are required for bank {code!r}")
        banks.append(ServiceEndpoint(code, url, str(app_key), str(secret), str(entry.get("name", ""))))
    return tuple(banks)


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConnectorConfigError(f"{name}: expected a number of seconds, got {raw!r}") from None
    if value <= 0:
        raise ConnectorConfigError(f"{name}: must be greater than 0, got {raw!r}")
    return value


def _non_negative_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConnectorConfigError(f"{name}: expected a whole number, got {raw!r}") from None
    if value < 0:
        raise ConnectorConfigError(f"{name}: must not be negative, got {raw!r}")
    return value

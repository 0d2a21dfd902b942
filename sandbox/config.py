"""Sandbox settings: data folder, ports, credentials, callback target, faults, clock and timings.

Environment (all optional):

- ``SHEBAO_SANDBOX_DIR`` data folder (default ``<SHEBAO_VAR_DIR or var>/sandbox``): one SQLite file per service,
  ``credentials.json`` with generated keys, and the adapters file.
- ``SHEBAO_SANDBOX_HOST`` (default ``127.0.0.1``), ``SHEBAO_SANDBOX_BUREAU_PORT`` (default 8710),
  ``SHEBAO_SANDBOX_BANK_PORTS`` (default ``icbc=8711,ccb=8712,boc=8713``); port 0 picks a free port.
- ``SHEBAO_ADAPTERS_FILE`` where the URLs and credentials of the running services are written
  (default ``<SHEBAO_SANDBOX_DIR>/adapters.json``); the product reads the same variable.
- Credentials, the same variables the product uses: ``SHEBAO_BUREAU_APP_KEY``/``_SECRET``,
  ``SHEBAO_BANK_<CODE>_APP_KEY``/``_SECRET``; generated (and kept in ``credentials.json``) when unset.
- ``SHEBAO_SANDBOX_CALLBACK_URL`` where the bureau posts transfer callbacks (the product's message
  endpoint), signed with ``SHEBAO_BUREAU_CALLBACK_SECRET`` (generated when unset).
- ``SHEBAO_SANDBOX_FAULTS`` JSON ``{"bureau": {"error_rate": 0.1}, "*": {"latency_ms": 50}}``.
- ``SHEBAO_SANDBOX_TICK_SECONDS`` how often transfers advance and callbacks go out (default 1).
- ``SHEBAO_CLOCK``/``SHEBAO_CLOCK_FILE``: the product clock, shared (see ``engine.clock``); the file
  defaults to ``<SHEBAO_VAR_DIR or var>/clock.json`` like the engine's.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from engine.clock import Clock, clock_from_env
from sandbox.faults import FaultConfig


@dataclass(frozen=True)
class BankSpec:
    """One partner bank of the sandbox."""

    code: str
    name: str
    bin: str  # first six digits of its card numbers
    port: int = 0


DEFAULT_BANKS: tuple[BankSpec, ...] = (
    BankSpec("icbc", "中国工商银行", "621226", 8711),
    BankSpec("ccb", "中国建设银行", "621700", 8712),
    BankSpec("boc", "中国银行", "621785", 8713),
)

# Working days each transfer stage takes in the sandbox (sandbox data; the official maximum is in
# DEADLINE_WORKDAYS): acceptance letter or refusal, information sheet and funds, completion.
DEFAULT_TRANSFER_WORKDAYS: dict[str, dict[str, int]] = {
    "pension": {"accepted": 5, "info_sheet_issued": 8, "completed": 5},
    "medical": {"accepted": 2, "info_sheet_issued": 6, "completed": 3},
}


@dataclass(frozen=True)
class Credentials:
    """An app key and its secret."""

    app_key: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class SandboxConfig:
    """Everything :func:`sandbox.run.serve_all` needs."""

    data_dir: Path = Path("var/sandbox")
    host: str = "127.0.0.1"
    bureau_port: int = 8710
    banks: tuple[BankSpec, ...] = DEFAULT_BANKS
    credentials: Mapping[str, Credentials] = field(default_factory=dict)  # service code -> credentials
    callback_url: str | None = None
    callback_secret: str | None = field(default=None, repr=False)
    faults: Mapping[str, FaultConfig] = field(default_factory=dict)  # service code or "*" -> faults
    adapters_file: Path | None = None  # default data_dir / "adapters.json"
    clock: Clock | None = None  # default: engine.clock.clock_from_env()
    calendar: Any = None  # default: engine.workdays.WorkdayCalendar()
    tick_seconds: float = 1.0
    callback_max_attempts: int = 8
    callback_backoff_seconds: float = 1.0  # doubles per failed attempt, capped at 300 s
    callback_timeout_seconds: float = 5.0
    transfer_workdays: Mapping[str, Mapping[str, int]] = field(default_factory=lambda: DEFAULT_TRANSFER_WORKDAYS)
    card_production_workdays: int = 7
    max_skew_seconds: int = 300

    @property
    def service_codes(self) -> tuple[str, ...]:
        """``bureau`` followed by the bank codes."""
        return ("bureau", *(b.code for b in self.banks))

    def faults_for(self, code: str) -> FaultConfig:
        """The fault settings of one service (its own, else ``*``, else none)."""
        return self.faults.get(code) or self.faults.get("*") or FaultConfig()

    def with_generated_secrets(self) -> SandboxConfig:
        """This configuration with credentials and callback secret filled in, kept in ``credentials.json``.

        Secrets given explicitly win; generated ones are reused on the next start so that a product
        configured once keeps working.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "credentials.json"
        stored: dict[str, Any] = {}
        if path.exists():
            stored = json.loads(path.read_text(encoding="utf-8"))
        creds = dict(self.credentials)
        for code in self.service_codes:
            if code not in creds:
                item = stored.get("services", {}).get(code) or {
                    "app_key": f"sandbox-{code}",
                    "secret": secrets.token_urlsafe(32),
                }
                creds[code] = Credentials(item["app_key"], item["secret"])
        callback_secret = self.callback_secret or stored.get("callback_secret") or secrets.token_urlsafe(32)
        data = {
            "services": {code: {"app_key": c.app_key, "secret": c.secret} for code, c in creds.items()},
            "callback_secret": callback_secret,
        }
        write_private_json(path, data)
        return replace(self, credentials=creds, callback_secret=callback_secret)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SandboxConfig:
        """Settings from ``SHEBAO_*`` variables (see the module docstring).

        :raises ValueError: for a malformed port list, fault JSON or number.
        """
        env = os.environ if environ is None else environ
        var_dir = Path(env.get("SHEBAO_VAR_DIR", "var"))
        data_dir = Path(env.get("SHEBAO_SANDBOX_DIR") or var_dir / "sandbox")
        clock_env = {"SHEBAO_CLOCK_FILE": str(var_dir / "clock.json"), **env}  # the engine's default clock file
        banks = _bank_ports(env.get("SHEBAO_SANDBOX_BANK_PORTS", ""))
        creds: dict[str, Credentials] = {}
        key, secret = env.get("SHEBAO_BUREAU_APP_KEY"), env.get("SHEBAO_BUREAU_SECRET")
        if key and secret:
            creds["bureau"] = Credentials(key, secret)
        for bank in banks:
            key = env.get(f"SHEBAO_BANK_{bank.code.upper()}_APP_KEY")
            secret = env.get(f"SHEBAO_BANK_{bank.code.upper()}_SECRET")
            if key and secret:
                creds[bank.code] = Credentials(key, secret)
        faults: dict[str, FaultConfig] = {}
        raw_faults = env.get("SHEBAO_SANDBOX_FAULTS", "").strip()
        if raw_faults:
            try:
                parsed = json.loads(raw_faults)
            except ValueError as exc:
                raise ValueError(f"SHEBAO_SANDBOX_FAULTS is not JSON: {exc}") from None
            if not isinstance(parsed, dict):
                raise ValueError("SHEBAO_SANDBOX_FAULTS must be a JSON object of service code -> settings")
            faults = {code: FaultConfig.from_dict(value) for code, value in parsed.items()}
        adapters = env.get("SHEBAO_ADAPTERS_FILE")
        return cls(
            data_dir=data_dir,
            host=env.get("SHEBAO_SANDBOX_HOST", "127.0.0.1"),
            bureau_port=_int(env, "SHEBAO_SANDBOX_BUREAU_PORT", 8710),
            banks=banks,
            credentials=creds,
            callback_url=env.get("SHEBAO_SANDBOX_CALLBACK_URL") or None,
            callback_secret=env.get("SHEBAO_BUREAU_CALLBACK_SECRET") or None,
            faults=faults,
            adapters_file=Path(adapters) if adapters else None,
            clock=clock_from_env(clock_env),
            tick_seconds=float(env.get("SHEBAO_SANDBOX_TICK_SECONDS", "1")),
        )


def _bank_ports(spec: str) -> tuple[BankSpec, ...]:
    if not spec.strip():
        return DEFAULT_BANKS
    known = {b.code: b for b in DEFAULT_BANKS}
    banks = []
    for item in spec.split(","):
        code, sep, port = item.strip().partition("=")
        if not sep or code not in known or not port.strip().isdigit():
            raise ValueError(
                f"SHEBAO_SANDBOX_BANK_PORTS: expected code=port items with codes from {', '.join(known)}, got {item!r}"
            )
        banks.append(replace(known[code], port=int(port)))
    return tuple(banks)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if not raw:
        return default
    if not raw.isdigit():
        raise ValueError(f"{name}: expected a port number, got {raw!r}")
    return int(raw)


def write_private_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON to ``path`` readable by its owner only (atomically)."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
    os.replace(tmp, path)


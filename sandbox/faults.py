"""Fault injection: error answers, latency, stalls past the caller's timeout, malformed answers.

Each request draws the same four numbers from a seeded generator, so a given seed and request order
always give the same faults. Errors are answered before the request is processed (nothing happens);
stalls and malformed answers come after it was processed (the effect happened, the caller cannot
tell) — the case idempotency keys exist for.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class FaultConfig:
    """Fault settings of one service; all off by default."""

    error_rate: float = 0.0  # share of requests answered with one of error_statuses, unprocessed
    error_statuses: tuple[int, ...] = (500, 503)
    latency_ms: int = 0  # added before every request
    latency_jitter_ms: int = 0  # plus a uniform 0..jitter
    timeout_rate: float = 0.0  # share of requests processed, then held for stall_seconds
    stall_seconds: float = 30.0
    malformed_rate: float = 0.0  # share of requests processed, then answered 200 with a broken body
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("error_rate", "timeout_rate", "malformed_rate"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"{name} must be a number from 0 to 1, got {value!r}")
        for name in ("latency_ms", "latency_jitter_ms", "stall_seconds"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} must be a number of at least 0, got {value!r}")
        statuses = tuple(self.error_statuses)
        if not statuses or any(not isinstance(s, int) or not (s == 429 or 500 <= s <= 599) for s in statuses):
            raise ValueError(f"error_statuses must list 429 or 5xx statuses, got {self.error_statuses!r}")
        object.__setattr__(self, "error_statuses", statuses)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultConfig:
        """Settings from a JSON object.

        :raises ValueError: for an unknown key or a value out of range.
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        values = dict(data)
        if "error_statuses" in values:
            values["error_statuses"] = tuple(values["error_statuses"])
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """The settings as a JSON object."""
        data = asdict(self)
        data["error_statuses"] = list(self.error_statuses)
        return data


@dataclass(frozen=True)
class FaultPlan:
    """What happens to one request."""

    delay_seconds: float = 0.0
    error_status: int | None = None
    stall_seconds: float = 0.0
    malformed: bool = False


class FaultInjector:
    """Draws a :class:`FaultPlan` per request from the current settings; settings can change at run time."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._config = config or FaultConfig()
        self._rng = random.Random(self._config.seed)  # noqa: S311 - fault injection, not security

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig) -> None:
        """Replace the settings; a given seed restarts the random sequence."""
        with self._lock:
            self._config = config
            if config.seed is not None:
                self._rng = random.Random(config.seed)  # noqa: S311

    def plan(self) -> FaultPlan:
        """The faults for the next request."""
        with self._lock:
            c = self._config
            draws = [self._rng.random() for _ in range(4)]
        delay = (c.latency_ms + draws[0] * c.latency_jitter_ms) / 1000.0
        if draws[1] < c.error_rate:
            status = c.error_statuses[int(draws[1] / c.error_rate * len(c.error_statuses)) % len(c.error_statuses)]
            return FaultPlan(delay_seconds=delay, error_status=status)
        return FaultPlan(
            delay_seconds=delay,
            stall_seconds=c.stall_seconds if draws[2] < c.timeout_rate else 0.0,
            malformed=draws[3] < c.malformed_rate,
        )

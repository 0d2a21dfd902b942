"""Engine configuration, read from the environment once by the entrypoint and passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Everything the engine needs to know about its surroundings."""

    database_url: str = "sqlite:///var/shebao.db"
    data_key: str | None = None  # SHEBAO_DATA_KEY: encryption of personal data at rest
    blob_dir: Path = Path("var/blobs")
    clock_file: Path = Path("var/clock.json")
    movable_clock: bool = True
    job_lease_seconds: int = 300
    default_retries: int = 3
    default_backoff_seconds: float = 2.0
    max_backoff_seconds: float = 3600.0
    message_ttl_seconds: int = 7 * 24 * 3600
    sqlite_busy_timeout_ms: int = 30_000
    lane_groups: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Settings from ``SHEBAO_*`` environment variables, defaults for the rest."""
        env = os.environ if environ is None else environ
        var = Path(env.get("SHEBAO_VAR_DIR", "var"))
        lane_groups = {}
        for item in filter(None, env.get("SHEBAO_LANE_GROUPS", "").split(";")):
            lane, _, template = item.partition("=")
            lane_groups[lane.strip()] = template.strip()
        return cls(
            database_url=env.get("SHEBAO_DATABASE_URL", f"sqlite:///{var}/shebao.db"),
            data_key=env.get("SHEBAO_DATA_KEY") or None,
            blob_dir=Path(env.get("SHEBAO_BLOB_DIR", str(var / "blobs"))),
            clock_file=Path(env.get("SHEBAO_CLOCK_FILE", str(var / "clock.json"))),
            movable_clock=env.get("SHEBAO_CLOCK", "movable") != "system",
            job_lease_seconds=int(env.get("SHEBAO_JOB_LEASE_SECONDS", "300")),
            default_retries=int(env.get("SHEBAO_JOB_RETRIES", "3")),
            default_backoff_seconds=float(env.get("SHEBAO_JOB_BACKOFF_SECONDS", "2")),
            message_ttl_seconds=int(env.get("SHEBAO_MESSAGE_TTL_SECONDS", str(7 * 24 * 3600))),
            lane_groups=lane_groups or {},
        )

"""One clock for engine, worker, sandbox and tests: real time, optionally moved forward.

The offset of a movable clock lives in a small JSON file (``SHEBAO_CLOCK_FILE``, by default
``var/clock.json``) so that every process on the machine — web server, workers, sandbox services and
tests — sees the same time. Reading it costs one ``stat`` per call; the file is re-read only when it
changed. All times are timezone-aware UTC.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    """What the engine needs of a clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    """Real time; cannot be moved."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    @property
    def offset(self) -> timedelta:
        return timedelta(0)


class MovableClock:
    """Real time plus an offset kept in a file shared by all processes; only ever moves forward."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    @property
    def offset(self) -> timedelta:
        """The current offset from real time, re-read from the file when it changed."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return timedelta(0)
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            with self._lock:
                try:
                    data = json.loads(self.path.read_text(encoding="utf-8"))
                    self._offset = timedelta(seconds=float(data.get("offset_seconds", 0)))
                except (OSError, ValueError):
                    return self._offset
                self._stamp = stamp
        return self._offset

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta``; returns the new time.

        :raises ValueError: for a negative delta (time never goes back).
        """
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        return self.set_offset(self.offset + delta)

    def set_offset(self, offset: timedelta) -> datetime:
        """Set the offset from real time (used by tests and the demo)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".clock-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"offset_seconds": offset.total_seconds()}, fh)
        os.replace(tmp, self.path)
        self._stamp = None
        return self.now()

    def reset(self) -> None:
        """Back to real time."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        self._stamp = None
        self._offset = timedelta(0)


_DURATION = re.compile(
    r"^P(?!$)(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """Parse an ISO 8601 duration of weeks, days, hours, minutes and seconds (``P45D``, ``PT2H30M``).

    Years and months are refused because their length depends on the date.

    :raises ValueError: when the text is not such a duration.
    """
    m = _DURATION.match(text.strip().upper())
    if not m:
        raise ValueError(f"not an ISO 8601 duration of weeks/days/hours/minutes/seconds: {text!r}")
    parts = {k: float(v) for k, v in m.groupdict().items() if v}
    return timedelta(**parts)


def clock_from_env(environ: dict[str, str] | None = None) -> SystemClock | MovableClock:
    """The clock configured by ``SHEBAO_CLOCK`` (``movable`` by default, or ``system``) and
    ``SHEBAO_CLOCK_FILE``."""
    env = os.environ if environ is None else environ
    if env.get("SHEBAO_CLOCK", "movable") == "system":
        return SystemClock()
    return MovableClock(env.get("SHEBAO_CLOCK_FILE", "var/clock.json"))

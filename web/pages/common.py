"""What the page blueprints share: the clock, dates for people, paging."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import request

from web.context import engine

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGE_SIZE = 25


def now() -> datetime:
    """The engine clock's current time (movable in tests and the demo)."""
    return engine().clock.now()  # type: ignore[no-any-return]


def local_time(value: datetime | None, with_time: bool = True) -> str:
    """A UTC datetime as Beijing time for people: ``2026-03-02 10:00`` (or the date only)."""
    if value is None:
        return ""
    local = value.astimezone(SHANGHAI)
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


@dataclass(frozen=True)
class Page:
    """One page of a list: number (1-based), size, exact total."""

    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, math.ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        """The offset of the page's first row."""
        return (self.number - 1) * self.size

    @property
    def first_row(self) -> int:
        """The 1-based number of the first row shown (0 when there is none)."""
        return 0 if self.total == 0 else self.offset + 1

    @property
    def last_row(self) -> int:
        """The 1-based number of the last row shown."""
        return min(self.total, self.offset + self.size)


def page_number() -> int:
    """The ``page`` query parameter as a positive number."""
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def url_with(**changes: Any) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = str(value)
    from urllib.parse import urlencode

    query = urlencode(args)
    return request.path + ("?" + query if query else "")

"""JSON for data the engine stores or hands out: dates, datetimes and decimals included."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    """Compact JSON, keys kept in their order (never sorted: see the state-storage notes)."""
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"))


def to_jsonable(value: Any) -> Any:
    """``value`` with dates and decimals turned into strings, as :func:`dumps` would write them."""
    return json.loads(dumps(value))

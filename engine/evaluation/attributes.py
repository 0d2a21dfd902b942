"""Which attributes evaluated code may read, per type: immutable tables shared by every evaluator.

Attribute access is allowed only on values of the types below (and their subclasses, e.g. an
``OrderedDict`` counts as a ``dict``) and only for the names listed for that type. Everything else
— dunders, ``format``/``format_map``, generator and frame attributes, attributes of functions,
modules or exceptions — is refused. The union of all names is also checked before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from types import MappingProxyType

_STR = frozenset(
    {
        "capitalize", "casefold", "center", "count", "endswith", "find", "index", "isalnum",
        "isalpha", "isascii", "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle",
        "isupper", "join", "ljust", "lower", "lstrip", "partition", "removeprefix", "removesuffix",
        "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split",
        "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill",
    }
)  # fmt: skip
_LIST = frozenset(
    {"append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse", "sort"}
)
_TUPLE = frozenset({"count", "index"})
_DICT = frozenset(
    {"clear", "copy", "get", "items", "keys", "pop", "popitem", "setdefault", "update", "values"}
)
_FROZENSET = frozenset(
    {
        "copy",
        "difference",
        "intersection",
        "isdisjoint",
        "issubset",
        "issuperset",
        "symmetric_difference",
        "union",
    }
)
_SET = _FROZENSET | {
    "add", "clear", "difference_update", "discard", "intersection_update", "pop", "remove",
    "symmetric_difference_update", "update",
}  # fmt: skip
_DATE = frozenset(
    {
        "ctime", "day", "isocalendar", "isoformat", "isoweekday", "month", "replace", "strftime",
        "toordinal", "weekday", "year",
    }
)  # fmt: skip
_TIME = frozenset(
    {"hour", "isoformat", "microsecond", "minute", "replace", "second", "strftime", "tzinfo", "utcoffset"}
)
_DATETIME = _DATE | _TIME | {"astimezone", "date", "time", "timestamp"}
_TIMEDELTA = frozenset({"days", "microseconds", "seconds", "total_seconds"})

#: Attributes readable on instances, by type (looked up along the instance's type's MRO).
INSTANCE_ATTRIBUTES: Mapping[type, frozenset[str]] = MappingProxyType(
    {
        str: _STR,
        list: _LIST,
        tuple: _TUPLE,
        dict: _DICT,
        set: _SET,
        frozenset: _FROZENSET,
        int: frozenset(),
        float: frozenset({"is_integer"}),
        datetime: _DATETIME,
        date: _DATE,
        time: _TIME,
        timedelta: _TIMEDELTA,
    }
)

#: Attributes readable on the classes offered to evaluated code. ``now``/``today``/``utcnow`` are
#: deliberately absent: the current time comes from the host's ``now()``/``today()`` (engine clock).
CLASS_ATTRIBUTES: Mapping[type, frozenset[str]] = MappingProxyType(
    {
        date: frozenset({"fromisoformat", "fromordinal", "max", "min"}),
        datetime: frozenset({"combine", "fromisoformat", "max", "min", "strptime"}),
        timedelta: frozenset({"max", "min", "resolution"}),
        timezone: frozenset({"utc"}),
    }
)

#: Every attribute name that may appear in source at all; checked before anything runs.
ALL_ATTRIBUTES: frozenset[str] = frozenset().union(*INSTANCE_ATTRIBUTES.values(), *CLASS_ATTRIBUTES.values())

#: Attribute names refused with the "string formatting" reason rather than the generic one.
FORMAT_ATTRIBUTES: frozenset[str] = frozenset({"format", "format_map"})


def allowed_attributes(obj: object) -> frozenset[str] | None:
    """The attribute names evaluated code may read on ``obj``, or None if it may read none."""
    if isinstance(obj, type):
        return CLASS_ATTRIBUTES.get(obj)
    for klass in type(obj).__mro__:
        names = INSTANCE_ATTRIBUTES.get(klass)
        if names is not None:
            return names
    return None

"""The names evaluated code can call: a fixed table of safe built-ins plus per-call guarded ones."""

from __future__ import annotations

import _strptime
import time as time_module
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from types import MappingProxyType
from typing import Any

from engine.evaluation.runtime import Runtime

#: Modules that C code of the offered types imports by itself (``date.strftime`` imports ``time``,
#: ``datetime.strptime`` imports ``_strptime``). Evaluated code cannot name ``__import__``.
_INTERNAL_IMPORTS: Mapping[str, Any] = MappingProxyType({"time": time_module, "_strptime": _strptime})


def _internal_import(
    name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
) -> Any:
    """``__import__`` for the built-in types' own imports only.

    :raises ImportError: for any other module.
    """
    module = _INTERNAL_IMPORTS.get(name)
    if module is None or level:
        raise ImportError(f"importing {name!r} is not allowed")
    return module


#: Built-ins that need no guard: pure, bounded by the size of their (already bounded) arguments,
#: or lazy. Classes stay real classes so that isinstance() and task-data values agree.
SAFE_BUILTINS: Mapping[str, Any] = MappingProxyType(
    {
        "__import__": _internal_import,
        "abs": abs,
        "all": all,
        "any": any,
        "bool": bool,
        "dict": dict,
        "enumerate": enumerate,
        "float": float,
        "frozenset": frozenset,
        "len": len,
        "list": list,
        "max": max,
        "min": min,
        "reversed": reversed,
        "set": set,
        "sorted": sorted,
        "tuple": tuple,
        "zip": zip,
        "date": date,
        "datetime": datetime,
        "time": time,
        "timedelta": timedelta,
        "timezone": timezone,
        "ArithmeticError": ArithmeticError,
        "AttributeError": AttributeError,
        "Exception": Exception,
        "IndexError": IndexError,
        "KeyError": KeyError,
        "LookupError": LookupError,
        "OverflowError": OverflowError,
        "TypeError": TypeError,
        "ValueError": ValueError,
        "ZeroDivisionError": ZeroDivisionError,
    }
)

#: Built-ins replaced by a guarded function of the call's Runtime, with the real type they stand for.
GUARDED_BUILTINS: Mapping[str, tuple[str, type | Callable[..., Any]]] = MappingProxyType(
    {
        "str": ("to_str", str),
        "int": ("to_int", int),
        "range": ("make_range", range),
        "round": ("round_number", round),
        "sum": ("sum_numbers", sum),
    }
)


def builtins_for(runtime: Runtime, functions: Mapping[str, Callable[..., Any]]) -> dict[str, Any]:
    """The ``__builtins__`` of one call: safe built-ins, guarded ones bound to ``runtime``, host functions."""
    names = dict(SAFE_BUILTINS)
    stands_for: dict[Any, Any] = {}
    for name, (method, real) in GUARDED_BUILTINS.items():
        guarded = getattr(runtime, method)
        names[name] = guarded
        if isinstance(real, type):
            stands_for[guarded] = real

    def real_types(types: Any) -> Any:
        if isinstance(types, tuple):
            return tuple(real_types(t) for t in types)
        return stands_for.get(types, types)

    def guarded_isinstance(value: Any, types: Any) -> bool:
        return isinstance(value, real_types(types))

    names["isinstance"] = guarded_isinstance
    names.update(functions)
    return names

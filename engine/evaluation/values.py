"""Guards for reading values: attribute access, growing ``str``/``list`` methods, f-string fields
and the built-ins that convert or build values (``str``, ``int``, ``range``, ``round``, ``sum``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, time
from decimal import Decimal
from typing import Any

from engine.errors import EvaluationRefused
from engine.evaluation.attributes import allowed_attributes
from engine.evaluation.budget import LOG2_10, Budget

# The standard format-spec mini-language (width and precision are what can blow up).
_SPEC = re.compile(
    r"(?:.?[<>=^])?[+\- ]?z?#?0?(?P<width>\d+)?[_,]?(?:\.(?P<precision>\d+))?[a-zA-Z%]?\Z", re.S
)


def _range_length(r: range) -> int:
    try:
        return len(r)
    except OverflowError:
        return max(0, (r.stop - r.start + r.step - (1 if r.step > 0 else -1)) // r.step)


class ValueGuards(Budget):
    """The value guards of one evaluation."""

    def attribute(self, obj: Any, name: str) -> Any:
        """Read ``obj.name`` if the per-type allowlist permits it; wrap methods that grow values."""
        allowed = allowed_attributes(obj)
        if allowed is None or name not in allowed:
            if allowed is not None and not hasattr(obj, name):
                raise AttributeError(f"{type(obj).__name__!r} object has no attribute {name!r}")
            kind = f"class {obj.__name__}" if isinstance(obj, type) else type(obj).__name__
            self.fail(EvaluationRefused, "EVALUATION_REFUSED_VALUE_ATTRIBUTE", name=name, type=kind)
        value = getattr(obj, name)
        if isinstance(obj, str) and name in _STR_GUARDS:
            return _STR_GUARDS[name](self, obj, value)
        if isinstance(obj, list) and name == "extend":
            return self._extend(obj)
        return value

    def _extend(self, target: list[Any]) -> Callable[[Iterable[Any]], None]:
        def extend(iterable: Iterable[Any]) -> None:
            self.extend_list(target, iterable)

        return extend

    # -- formatting and conversion ------------------------------------------------------------------

    def format_value(self, value: Any, conversion: int, spec: str) -> str:
        """An f-string field: ``{value!conversion:spec}`` with size checks made first."""
        if conversion == ord("s"):
            value = self.to_str(value)
        elif conversion in (ord("r"), ord("a")):
            self.check_result(value)
            value = repr(value) if conversion == ord("r") else ascii(value)
        if isinstance(value, Decimal) and value.is_finite() and abs(value.adjusted()) > self.max_items:
            self.too_big(abs(value.adjusted()))
        if spec and not isinstance(value, date | time):
            match = _SPEC.match(spec)
            if match:
                for part in (match.group("width"), match.group("precision")):
                    if part and (len(part) > 9 or int(part) > self.max_items):
                        self.too_big(self.max_items + 1 if len(part) > 9 else int(part))
        elif not spec:
            self.check_result(value)
        return format(value, spec)

    def to_str(self, value: Any = "") -> str:
        """``str(value)``, checking the size of containers first."""
        if isinstance(value, Decimal) and value.is_finite() and abs(value.adjusted()) > self.max_items:
            self.too_big(abs(value.adjusted()))
        self.check_result(value)
        return str(value)

    def to_int(self, value: Any = 0, *base: Any) -> int:
        """``int(value[, base])``, refusing conversions that would build a huge integer."""
        digits = self.limits.max_int_digits
        if isinstance(value, Decimal) and value.is_finite() and value.adjusted() >= digits:
            self.too_many_digits((value.adjusted() + 1) * LOG2_10)
        if isinstance(value, str) and len(value) > 2 * digits + 16:
            self.too_many_digits(len(value) * LOG2_10)
        return int(value, *base)

    def make_range(self, *args: Any) -> range:
        """``range(...)`` of at most max_items numbers."""
        result = range(*args)
        length = _range_length(result)
        if length > self.max_items:
            self.too_big(length)
        return result

    def round_number(self, number: Any, ndigits: Any = None) -> Any:
        """``round(number[, ndigits])`` with ``ndigits`` within the integer digit limit."""
        if ndigits is None:
            return round(number)
        if isinstance(ndigits, int) and abs(ndigits) > self.limits.max_int_digits:
            self.too_many_digits(abs(ndigits) * LOG2_10)
        return round(number, ndigits)

    def sum_numbers(self, iterable: Iterable[Any], /, start: Any = 0) -> Any:
        """``sum()`` of numbers or timedeltas (summing sequences is quadratic and is refused)."""
        if isinstance(start, str | list | tuple | dict | set):
            raise TypeError("sum() can only add numbers and timedeltas; use ''.join() or a comprehension")
        return sum(iterable, start)


def _guard_join(runtime: Budget, sep: str, method: Callable[..., str]) -> Callable[..., str]:
    def join(iterable: Iterable[Any]) -> str:
        items = iterable if isinstance(iterable, list | tuple) else list(iterable)
        size = len(sep) * max(len(items) - 1, 0) + sum(len(x) for x in items if isinstance(x, str))
        runtime.check_size(size)
        return method(items)

    return join


def _guard_replace(runtime: Budget, text: str, method: Callable[..., str]) -> Callable[..., str]:
    def replace(old: Any, new: Any, count: Any = -1) -> str:
        if isinstance(old, str) and isinstance(new, str) and isinstance(count, int):
            found = text.count(old) if old else len(text) + 1
            if count >= 0:
                found = min(found, count)
            runtime.check_size(len(text) + found * (len(new) - len(old)))
        return method(old, new, count)

    return replace


def _guard_width(runtime: Budget, text: str, method: Callable[..., str]) -> Callable[..., str]:
    def pad(width: Any, *fill: Any) -> str:
        if isinstance(width, int):
            runtime.check_size(width)
        return method(width, *fill)

    return pad


_STR_GUARDS: dict[str, Callable[[Budget, str, Callable[..., str]], Callable[..., str]]] = {
    "join": _guard_join,
    "replace": _guard_replace,
    "ljust": _guard_width,
    "rjust": _guard_width,
    "center": _guard_width,
    "zfill": _guard_width,
}

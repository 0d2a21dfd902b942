"""The runtime half of the restricted evaluator: one Runtime per call, holding its budget and guards.

The guard names injected by :mod:`engine.evaluation.transform` are bound to a fresh Runtime for every
evaluate()/execute() call, so nothing mutable is shared between calls, threads or Evaluators. A guard
stops the code by raising :class:`Stop`, a ``BaseException`` the sandboxed code cannot catch (it may
only name the ordinary exception classes it is given, and bare ``except:`` is refused); the first
failure is also remembered, so that even code that swallows it (``return`` inside ``finally``) fails.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Callable, Iterable
from datetime import date, time
from decimal import Decimal
from itertools import chain, islice
from time import monotonic
from typing import Any, NoReturn

from engine.errors import EvaluationError, EvaluationLimitExceeded, EvaluationRefused
from engine.evaluation.attributes import allowed_attributes
from engine.evaluation.limits import Limits
from engine.evaluation.messages import message
from engine.evaluation.transform import (
    ATTRIBUTE,
    BINARY_GUARDS,
    FORMAT,
    FUNCTION,
    INPLACE_GUARDS,
    SIZED,
    STEP,
    TICK,
)

SOURCE_FILENAME = "<evaluated>"
LOG2_10 = math.log2(10)
_SEQUENCES = (str, list, tuple)
_SCALARS = (str, int, float, bool, type(None))
_CONTAINERS = (list, tuple, set, frozenset, dict)
_MEMORY_CHECK_INTERVAL = 0.005  # seconds between two resident-memory checks
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

# ``%`` directives of printf-style formatting and the standard format-spec mini-language.
_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d*))?[hlL]?.?")
_SPEC = re.compile(r"(?:.?[<>=^])?[+\- ]?z?#?0?(?P<width>\d+)?[_,]?(?:\.(?P<precision>\d+))?[a-zA-Z%]?\Z", re.S)


class Stop(BaseException):
    """Ends the evaluated code with ``error``; sandboxed code cannot catch it."""

    def __init__(self, error: EvaluationError) -> None:
        super().__init__(error.code)
        self.error = error


def current_line() -> int:
    """The line of evaluated code being run by the calling thread (1 if none is found)."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == SOURCE_FILENAME:
            return frame.f_lineno or 1
        frame = frame.f_back  # type: ignore[assignment]
    return 1


def resident_bytes() -> int | None:
    """The process's resident memory in bytes, or None where it cannot be read."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return None


def _range_length(r: range) -> int:
    try:
        return len(r)
    except OverflowError:
        return max(0, (r.stop - r.start + r.step - (1 if r.step > 0 else -1)) // r.step)


class Runtime:
    """Budget and guards of one evaluation."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.max_steps = limits.max_steps
        self.max_items = limits.max_items
        self.max_bits = int(limits.max_int_digits * LOG2_10) + 1
        self.steps = 0
        self.depth = 0
        start = monotonic()
        self.deadline = start + limits.max_seconds
        self.memory_check_at = start + _MEMORY_CHECK_INTERVAL
        self.memory_baseline: int | None = None
        self.failure: EvaluationError | None = None

    # -- stopping -----------------------------------------------------------------------------------

    def fail(self, cls: type[EvaluationError], code: str, **params: Any) -> NoReturn:
        """Stop the evaluated code with an error of ``cls`` and ``code``; remembered for finish()."""
        line = current_line()
        error = cls(message(code, "en", line=line, **params), code=code, line=line, **params)
        if self.failure is None:
            self.failure = error
        raise Stop(error)

    def too_big(self, size: int) -> NoReturn:
        self.fail(EvaluationLimitExceeded, "EVALUATION_SIZE_LIMIT", size=size, limit=self.max_items)

    def too_many_digits(self, bits: float) -> NoReturn:
        digits = int(bits / LOG2_10) + 1
        self.fail(EvaluationLimitExceeded, "EVALUATION_INT_LIMIT", digits=digits, limit=self.limits.max_int_digits)

    def finish(self) -> None:
        """Raise the first failure even if the evaluated code swallowed it."""
        if self.failure is not None:
            raise self.failure

    # -- steps, time, memory, depth -------------------------------------------------------------------

    def step(self) -> None:
        """Count one step; stop on the step budget, the deadline or memory growth."""
        self.steps += 1
        if self.steps > self.max_steps:
            self.fail(EvaluationLimitExceeded, "EVALUATION_STEP_LIMIT", limit=self.max_steps)
        now = monotonic()
        if now > self.deadline:
            self.fail(EvaluationLimitExceeded, "EVALUATION_TIME_LIMIT", limit=self.limits.max_seconds)
        if now >= self.memory_check_at and self.limits.max_memory_mb is not None:
            self.memory_check_at = now + _MEMORY_CHECK_INTERVAL
            self._check_memory(self.limits.max_memory_mb)

    def _check_memory(self, max_mb: int) -> None:
        current = resident_bytes()
        if current is None:
            return
        if self.memory_baseline is None:
            self.memory_baseline = current
            return
        grown = (current - self.memory_baseline) // (1024 * 1024)
        if grown > max_mb:
            self.fail(EvaluationLimitExceeded, "EVALUATION_MEMORY_LIMIT", size=grown, limit=max_mb)

    def tick(self) -> bool:
        """A step in a comprehension condition; always true."""
        self.step()
        return True

    def function(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap a function defined by evaluated code: each call is a step and one level of depth."""
        runtime = self

        def guarded(*args: Any, **kwargs: Any) -> Any:
            runtime.step()
            if runtime.depth >= runtime.limits.max_depth:
                runtime.fail(EvaluationLimitExceeded, "EVALUATION_DEPTH_LIMIT", limit=runtime.limits.max_depth)
            runtime.depth += 1
            try:
                return fn(*args, **kwargs)
            finally:
                runtime.depth -= 1

        return guarded

    # -- sizes --------------------------------------------------------------------------------------

    def check_size(self, size: int) -> None:
        """Stop if ``size`` is over the item limit."""
        if size > self.max_items:
            self.too_big(size)

    def measure(self, value: Any, budget: int) -> int:
        """Logical size of ``value``: 1 per scalar or container, the length of a string, counted
        through nested containers each time they appear; stops counting once past ``budget``.
        Stops the code if containers nest deeper than max_depth."""
        if isinstance(value, str):
            return max(len(value), 1)
        if not isinstance(value, _CONTAINERS):
            return 1
        total = 0
        max_depth = self.limits.max_depth
        stack: list[tuple[Any, int]] = [(value, 0)]
        while stack and total <= budget:
            item, depth = stack.pop()
            total += 1
            if depth >= max_depth:
                self.fail(EvaluationLimitExceeded, "EVALUATION_DEPTH_LIMIT", limit=max_depth)
            children: Iterable[Any] = chain.from_iterable(item.items()) if isinstance(item, dict) else item
            for child in islice(children, max(budget - total + 1, 0)):
                if isinstance(child, str):
                    total += len(child) or 1
                elif isinstance(child, _CONTAINERS):
                    stack.append((child, depth + 1))
                else:
                    total += 1
        return total

    def check_result(self, value: Any) -> None:
        """Stop if a value leaving the evaluation is too big or too deeply nested."""
        if not isinstance(value, _SCALARS):
            self.check_size(self.measure(value, self.max_items))

    def sized(self, value: Any) -> Any:
        """Check a display built with ``*``/``**`` unpacking."""
        self.check_size(len(value))
        return value

    # -- attributes ---------------------------------------------------------------------------------

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
            items = iterable if isinstance(iterable, list | tuple | str | set | dict | range) else list(iterable)
            self.check_size(len(target) + len(items))
            target.extend(items)

        return extend

    # -- operators ----------------------------------------------------------------------------------

    def add(self, a: Any, b: Any) -> Any:
        if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
            self.check_size(len(a) + len(b))
            return a + b
        result = a + b
        if type(result) is int and result.bit_length() > self.max_bits:
            self.too_many_digits(result.bit_length())
        return result

    def mul(self, a: Any, b: Any) -> Any:
        if isinstance(a, int) and isinstance(b, int):
            if a and b and a.bit_length() + b.bit_length() > self.max_bits + 1:
                self.too_many_digits(a.bit_length() + b.bit_length())
        elif isinstance(a, _SEQUENCES) and isinstance(b, int):
            self._repeat(a, b)
        elif isinstance(b, _SEQUENCES) and isinstance(a, int):
            self._repeat(b, a)
        return a * b

    def _repeat(self, seq: str | list[Any] | tuple[Any, ...], n: int) -> None:
        if n <= 0 or not seq:
            return
        if n > self.max_items:
            self.too_big(n * len(seq))
        if isinstance(seq, str):
            self.check_size(len(seq) * n)
            return
        per_copy = self.measure(seq, self.max_items // n + 2) - 1  # the items, not the container
        self.check_size(per_copy * n)

    def pow(self, a: Any, b: Any) -> Any:
        if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
            if b > self.max_bits:
                self.too_many_digits(b)
            bits = b * math.log2(abs(a))
            if bits > self.max_bits:
                self.too_many_digits(bits)
        return a**b

    def lshift(self, a: Any, b: Any) -> Any:
        if isinstance(a, int) and isinstance(b, int) and a and b > 0:
            if b > self.max_bits or a.bit_length() + b > self.max_bits:
                self.too_many_digits(a.bit_length() + min(b, self.max_bits * 2))
        return a << b

    def mod(self, a: Any, b: Any) -> Any:
        if isinstance(a, str):
            self._check_percent_format(a, b)
        return a % b

    def _check_percent_format(self, fmt: str, args: Any) -> None:
        size = len(fmt)
        for match in _PERCENT.finditer(fmt):
            for part in (match.group("width"), match.group("precision")):
                if part == "*":
                    self.fail(EvaluationRefused, "EVALUATION_REFUSED_FORMAT", name="'*' width in % formatting")
                if part:
                    size += self.max_items + 1 if len(part) > 9 else int(part)
        values = list(args.values()) if isinstance(args, dict) else args
        size += self.measure(values, self.max_items)
        self.check_size(size)

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

    # -- the names bound for one call ---------------------------------------------------------------

    def guards(self) -> dict[str, Any]:
        """The guard names the transformed code calls, bound to this runtime."""
        names: dict[str, Any] = {
            STEP: self.step,
            TICK: self.tick,
            FUNCTION: self.function,
            ATTRIBUTE: self.attribute,
            FORMAT: self.format_value,
            SIZED: self.sized,
        }
        ops = {"_g_add": self.add, "_g_mul": self.mul, "_g_pow": self.pow, "_g_lshift": self.lshift, "_g_mod": self.mod}
        names.update(ops)
        inplace = {"_g_iadd": self._iadd, "_g_imul": self._imul}
        for binary, inplace_name in zip(BINARY_GUARDS.values(), INPLACE_GUARDS.values(), strict=True):
            names[inplace_name] = inplace.get(inplace_name, ops[binary])
        return names

    def _iadd(self, a: Any, b: Any) -> Any:
        if isinstance(a, list):
            self._extend(a)(b)
            return a
        return self.add(a, b)

    def _imul(self, a: Any, b: Any) -> Any:
        if isinstance(a, list) and isinstance(b, int):
            self._repeat(a, b)
            a *= b
            return a
        return self.mul(a, b)


def _guard_join(runtime: Runtime, sep: str, method: Callable[..., str]) -> Callable[..., str]:
    def join(iterable: Iterable[Any]) -> str:
        items = iterable if isinstance(iterable, list | tuple) else list(iterable)
        size = len(sep) * max(len(items) - 1, 0) + sum(len(x) for x in items if isinstance(x, str))
        runtime.check_size(size)
        return method(items)

    return join


def _guard_replace(runtime: Runtime, text: str, method: Callable[..., str]) -> Callable[..., str]:
    def replace(old: Any, new: Any, count: Any = -1) -> str:
        if isinstance(old, str) and isinstance(new, str) and isinstance(count, int):
            found = text.count(old) if old else len(text) + 1
            if count >= 0:
                found = min(found, count)
            runtime.check_size(len(text) + found * (len(new) - len(old)))
        return method(old, new, count)

    return replace


def _guard_width(runtime: Runtime, text: str, method: Callable[..., str]) -> Callable[..., str]:
    def pad(width: Any, *fill: Any) -> str:
        if isinstance(width, int):
            runtime.check_size(width)
        return method(width, *fill)

    return pad


_STR_GUARDS: dict[str, Callable[[Runtime, str, Callable[..., str]], Callable[..., str]]] = {
    "join": _guard_join,
    "replace": _guard_replace,
    "ljust": _guard_width,
    "rjust": _guard_width,
    "center": _guard_width,
    "zfill": _guard_width,
}

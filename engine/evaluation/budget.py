"""The budget of one evaluation: steps, deadline, memory growth, call depth and value sizes.

A guard stops the evaluated code by raising :class:`Stop`, a ``BaseException`` the sandboxed code
cannot catch (it may only name the ordinary exception classes it is given, and bare ``except:`` is
refused); the first failure is also remembered, so that even code that swallows it (``return``
inside ``finally``) fails when it ends.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterable
from itertools import chain, islice
from time import monotonic
from typing import Any, NoReturn

from engine.errors import EvaluationError, EvaluationLimitExceeded
from engine.evaluation.limits import Limits
from engine.evaluation.messages import message

SOURCE_FILENAME = "<evaluated>"
LOG2_10 = math.log2(10)
_SCALARS = (str, int, float, bool, type(None))
_CONTAINERS = (list, tuple, set, frozenset, dict)
_MEMORY_CHECK_INTERVAL = 0.005  # seconds between two resident-memory checks
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


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


class Budget:
    """What one evaluation may still do, and the first limit it hit."""

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
        self.fail(
            EvaluationLimitExceeded, "EVALUATION_INT_LIMIT", digits=digits, limit=self.limits.max_int_digits
        )

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
                runtime.fail(
                    EvaluationLimitExceeded, "EVALUATION_DEPTH_LIMIT", limit=runtime.limits.max_depth
                )
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

    def extend_list(self, target: list[Any], iterable: Iterable[Any]) -> None:
        """``target.extend(iterable)`` if the result stays within max_items."""
        items = iterable if isinstance(iterable, list | tuple | str | set | dict | range) else list(iterable)
        self.check_size(len(target) + len(items))
        target.extend(items)

"""The limits of one restricted evaluation, configurable per Evaluator."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Limits:
    """How much one evaluate()/execute() call may do before it is stopped.

    ``max_steps`` counts loop iterations, comprehension items and function calls; ``max_seconds`` is
    wall-clock time; ``max_items`` bounds the size of any value built by a guarded operation (items of
    a list/tuple/set/dict or characters of a string, counted through nested containers for
    repetition, ``str()`` and formatting); ``max_int_digits`` bounds integers built by ``* ** << +``;
    ``max_depth`` bounds nested calls of functions defined in the code and the nesting of data it
    returns; ``max_memory_mb`` bounds the growth of the process's resident memory while the code runs
    (checked every few milliseconds; None turns the check off); ``max_source_chars`` bounds the source.
    """

    max_steps: int = 1_000_000
    max_seconds: float = 2.0
    max_items: int = 1_000_000
    max_int_digits: int = 4_000
    max_depth: int = 100
    max_memory_mb: int | None = 256
    max_source_chars: int = 100_000

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.name == "max_memory_mb":
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"Limits.{f.name} must be a positive number, not {value!r}")

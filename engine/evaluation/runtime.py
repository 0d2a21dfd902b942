"""One Runtime per evaluate()/execute() call: its budget and every guard the transformed code calls.

The guard names injected by :mod:`engine.evaluation.transform` are bound to a fresh Runtime for each
call, so nothing mutable is shared between calls, threads or Evaluators.
"""

from __future__ import annotations

import ast
from typing import Any

from engine.evaluation.operators import OperatorGuards
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
from engine.evaluation.values import ValueGuards


class Runtime(OperatorGuards, ValueGuards):
    """Budget and guards of one evaluation."""

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
        binary: dict[type[ast.operator], Any] = {
            ast.Add: self.add,
            ast.Mult: self.mul,
            ast.Pow: self.pow,
            ast.LShift: self.lshift,
            ast.Mod: self.mod,
        }
        inplace: dict[type[ast.operator], Any] = {ast.Add: self.iadd, ast.Mult: self.imul}
        for op, name in BINARY_GUARDS.items():
            names[name] = binary[op]
        for op, name in INPLACE_GUARDS.items():
            names[name] = inplace.get(op, binary[op])
        return names

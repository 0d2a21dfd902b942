"""Guards for the operators that can grow a value beyond its operands: ``+ * ** << %``.

Each checks the size of the result (items, characters or integer digits) before computing it.
"""

from __future__ import annotations

import math
import re
from typing import Any

from engine.errors import EvaluationRefused
from engine.evaluation.budget import Budget

_SEQUENCES = (str, list, tuple)
# ``%`` directives of printf-style formatting.
_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d*))?[hlL]?.?")


class OperatorGuards(Budget):
    """The operator guards of one evaluation."""

    def add(self, a: Any, b: Any) -> Any:
        """``a + b``: sequences within max_items, integers within the digit limit."""
        if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
            self.check_size(len(a) + len(b))
        result = a + b
        if type(result) is int and result.bit_length() > self.max_bits:
            self.too_many_digits(result.bit_length())
        return result

    def mul(self, a: Any, b: Any) -> Any:
        """``a * b``: integer products and repetitions sized before they are computed."""
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
        """``a ** b``: integer powers sized (by ``b * log2(a)``) before they are computed."""
        if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
            if b > self.max_bits:
                self.too_many_digits(b)
            bits = b * math.log2(abs(a))
            if bits > self.max_bits:
                self.too_many_digits(bits)
        return a**b

    def lshift(self, a: Any, b: Any) -> Any:
        """``a << b``: the shifted integer sized before it is computed."""
        if isinstance(a, int) and isinstance(b, int) and a and b > 0:
            if b > self.max_bits or a.bit_length() + b > self.max_bits:
                self.too_many_digits(a.bit_length() + min(b, self.max_bits * 2))
        return a << b

    def mod(self, a: Any, b: Any) -> Any:
        """``a % b``: printf-style formatting of strings sized (widths, arguments) first."""
        if isinstance(a, str):
            self._check_percent_format(a, b)
        return a % b

    def _check_percent_format(self, fmt: str, args: Any) -> None:
        size = len(fmt)
        for match in _PERCENT.finditer(fmt):
            for part in (match.group("width"), match.group("precision")):
                if part == "*":
                    self.fail(
                        EvaluationRefused, "EVALUATION_REFUSED_FORMAT", name="'*' width in % formatting"
                    )
                if part:
                    size += self.max_items + 1 if len(part) > 9 else int(part)
        values = list(args.values()) if isinstance(args, dict) else args
        size += self.measure(values, self.max_items)
        self.check_size(size)

    def iadd(self, a: Any, b: Any) -> Any:
        """``a += b``, in place for lists like Python, sized like ``+``."""
        if isinstance(a, list):
            self.extend_list(a, b)
            return a
        return self.add(a, b)

    def imul(self, a: Any, b: Any) -> Any:
        """``a *= b``, in place for lists like Python, sized like ``*``."""
        if isinstance(a, list) and isinstance(b, int):
            self._repeat(a, b)
            a *= b
            return a
        return self.mul(a, b)

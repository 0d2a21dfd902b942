"""The static half of the restricted evaluator: what source may contain, checked before anything runs.

Two independent checks must both accept a source:

1. an allowlist of syntax (node types), names and attribute names, written for this engine; it
   gives the specific refusal codes and line numbers;
2. RestrictedPython's own policy (``RestrictingNodeTransformer``), run only as a second opinion: its
   transformed tree is discarded, so a gap in one list is not a gap in both.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

from RestrictedPython import RestrictingNodeTransformer

from engine.errors import EvaluationRefused
from engine.evaluation.attributes import ALL_ATTRIBUTES, FORMAT_ATTRIBUTES
from engine.evaluation.messages import message

#: Syntax that evaluated code may use; anything else is refused with EVALUATION_REFUSED_CONSTRUCT.
ALLOWED_NODES: frozenset[type[ast.AST]] = frozenset(
    {
        ast.Module, ast.Expression,
        # statements
        ast.FunctionDef, ast.Return, ast.Delete, ast.Assign, ast.AugAssign, ast.For, ast.While, ast.If,
        ast.Raise, ast.Try, ast.ExceptHandler, ast.Assert, ast.Global, ast.Expr, ast.Pass, ast.Break,
        ast.Continue,
        # expressions
        ast.BoolOp, ast.NamedExpr, ast.BinOp, ast.UnaryOp, ast.Lambda, ast.IfExp, ast.Dict, ast.Set,
        ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Compare, ast.Call,
        ast.FormattedValue, ast.JoinedStr, ast.Constant, ast.Attribute, ast.Subscript, ast.Starred,
        ast.Name, ast.List, ast.Tuple, ast.Slice,
        # parts
        ast.Load, ast.Store, ast.Del, ast.And, ast.Or, ast.Add, ast.Sub, ast.Mult, ast.MatMult, ast.Div,
        ast.Mod, ast.Pow, ast.LShift, ast.RShift, ast.BitOr, ast.BitXor, ast.BitAnd, ast.FloorDiv,
        ast.Invert, ast.Not, ast.UAdd, ast.USub, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
        ast.Is, ast.IsNot, ast.In, ast.NotIn, ast.comprehension, ast.arguments, ast.arg, ast.keyword,
    }
)  # fmt: skip

#: How refused syntax is named in messages.
CONSTRUCT_NAMES: dict[type[ast.AST], str] = {
    ast.Import: "import",
    ast.ImportFrom: "import",
    ast.ClassDef: "class definition",
    ast.AsyncFunctionDef: "async function",
    ast.AsyncFor: "async for",
    ast.AsyncWith: "async with",
    ast.Await: "await",
    ast.With: "with statement",
    ast.Yield: "yield (generator functions)",
    ast.YieldFrom: "yield from (generator functions)",
    ast.Nonlocal: "nonlocal",
    ast.AnnAssign: "annotated assignment",
    ast.Match: "match statement",
    ast.TryStar: "except*",
}

#: Names refused wherever they appear: introspection, dynamic code, files and the type machinery.
FORBIDDEN_NAMES: frozenset[str] = frozenset(
    {
        "eval", "exec", "compile", "open", "globals", "locals", "vars", "type", "getattr", "setattr",
        "delattr", "hasattr", "breakpoint", "memoryview", "object", "super", "classmethod",
        "staticmethod", "property", "dir", "help", "input", "exit", "quit", "reload",
    }
)  # fmt: skip

#: Deepest nesting of syntax accepted (keeps every later recursive pass far from Python's limit).
MAX_NESTING = 100

_RP_LINE = re.compile(r"^Line (\d+): ?")


def refusal(code: str, line: int | None, **params: Any) -> EvaluationRefused:
    """An EvaluationRefused with ``code``, the English text as message and ``line`` in its params."""
    line = line or 1
    return EvaluationRefused(message(code, "en", line=line, **params), code=code, line=line, **params)


def parse(source: str, mode: str, max_chars: int) -> ast.AST:
    """Parse ``source`` in ``mode`` ("eval" or "exec").

    :raises EvaluationRefused: EVALUATION_SOURCE_TOO_LONG or EVALUATION_SYNTAX_ERROR.
    """
    if len(source) > max_chars:
        raise EvaluationRefused(
            message("EVALUATION_SOURCE_TOO_LONG", "en", length=len(source), limit=max_chars),
            code="EVALUATION_SOURCE_TOO_LONG",
            length=len(source),
            limit=max_chars,
            line=1,
        )
    try:
        return ast.parse(source, filename="<evaluated>", mode=mode)
    except SyntaxError as err:
        raise refusal("EVALUATION_SYNTAX_ERROR", err.lineno, detail=err.msg) from None
    except (ValueError, RecursionError, MemoryError) as err:
        raise refusal("EVALUATION_SYNTAX_ERROR", 1, detail=str(err) or type(err).__name__) from None


def check(tree: ast.AST, source: str, mode: str) -> None:
    """Refuse ``tree`` (parsed from ``source``) unless both policies accept it.

    :raises EvaluationRefused: for the problem that comes first in the source, with its code and line.
    """
    found: list[tuple[int, int, int, EvaluationRefused]] = []
    for node, line, depth in _walk(tree):
        if depth > MAX_NESTING:
            raise refusal(
                "EVALUATION_REFUSED_CONSTRUCT", line, construct=f"nesting deeper than {MAX_NESTING}"
            )
        try:
            _check_node(node, line)
        except EvaluationRefused as err:
            where = (line, getattr(node, "col_offset", 0), getattr(node, "end_col_offset", 0) or 0)
            found.append((*where, err))
    if found:
        raise min(found, key=lambda item: item[:3])[3]
    _check_with_restrictedpython(source, mode)


def _walk(tree: ast.AST) -> Iterator[tuple[ast.AST, int, int]]:
    """Every node with the nearest line number and its depth, without recursion."""
    stack: list[tuple[ast.AST, int, int]] = [(tree, 1, 0)]
    while stack:
        node, line, depth = stack.pop()
        line = getattr(node, "lineno", None) or line
        yield node, line, depth
        stack.extend((child, line, depth + 1) for child in reversed(list(ast.iter_child_nodes(node))))


def _check_node(node: ast.AST, line: int) -> None:
    kind = type(node)
    if kind not in ALLOWED_NODES:
        construct = CONSTRUCT_NAMES.get(kind, kind.__name__)
        raise refusal("EVALUATION_REFUSED_CONSTRUCT", line, construct=construct)
    if isinstance(node, ast.Name):
        _check_name(node.id, line)
    elif isinstance(node, ast.Attribute):
        _check_attribute(node, line)
    elif isinstance(node, ast.FunctionDef):
        _check_name(node.name, line)
        if node.decorator_list:
            raise refusal("EVALUATION_REFUSED_CONSTRUCT", line, construct="decorator")
    elif isinstance(node, ast.arg):
        _check_name(node.arg, line)
    elif isinstance(node, ast.keyword) and node.arg is not None:
        _check_name(node.arg, line)
    elif isinstance(node, ast.Global):
        for name in node.names:
            _check_name(name, line)
    elif isinstance(node, ast.ExceptHandler):
        if node.type is None:
            raise refusal(
                "EVALUATION_REFUSED_CONSTRUCT", line, construct="bare except (name the exception types)"
            )
        if node.name is not None:
            _check_name(node.name, line)
    elif isinstance(node, ast.AugAssign) and not isinstance(node.target, ast.Name):
        raise refusal(
            "EVALUATION_REFUSED_CONSTRUCT",
            line,
            construct="augmented assignment to an item or attribute (write d[k] = d[k] + v)",
        )
    elif isinstance(node, ast.comprehension) and node.is_async:
        raise refusal("EVALUATION_REFUSED_CONSTRUCT", line, construct="async comprehension")
    elif isinstance(node, ast.Constant) and isinstance(node.value, bytes):
        raise refusal("EVALUATION_REFUSED_CONSTRUCT", line, construct="bytes literal")
    elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
        spec = node.format_spec
        if not (isinstance(spec, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in spec.values)):
            raise refusal("EVALUATION_REFUSED_FORMAT", line, name="format spec with a replacement field")


def _check_name(name: str, line: int) -> None:
    if name.startswith("_"):
        raise refusal("EVALUATION_REFUSED_DUNDER", line, name=name)
    if name in FORBIDDEN_NAMES:
        raise refusal("EVALUATION_REFUSED_NAME", line, name=name)


def _check_attribute(node: ast.Attribute, line: int) -> None:
    name = node.attr
    if name.startswith("_"):
        raise refusal("EVALUATION_REFUSED_DUNDER", line, name=name)
    if name in FORMAT_ATTRIBUTES:
        raise refusal("EVALUATION_REFUSED_FORMAT", line, name=name)
    if not isinstance(node.ctx, ast.Load):
        raise refusal("EVALUATION_REFUSED_CONSTRUCT", line, construct="assigning or deleting an attribute")
    if name not in ALL_ATTRIBUTES:
        raise refusal("EVALUATION_REFUSED_ATTRIBUTE", line, name=name)


def _check_with_restrictedpython(source: str, mode: str) -> None:
    errors: list[str] = []
    try:
        RestrictingNodeTransformer(errors, [], {}).visit(ast.parse(source, mode=mode))
    except RecursionError:
        errors.append("Line 1: too deeply nested")
    except Exception as err:  # a crash of the second opinion refuses rather than lets through
        errors.append(f"Line 1: {type(err).__name__}: {err}")
    if errors:
        first = errors[0]
        match = _RP_LINE.match(first)
        line = int(match.group(1)) if match else 1
        raise refusal("EVALUATION_REFUSED_CONSTRUCT", line, construct=_RP_LINE.sub("", first).rstrip("."))

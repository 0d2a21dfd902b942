"""The AST rewrite that puts a runtime guard wherever work or memory could grow without bound.

Applied to a tree that :mod:`engine.evaluation.policy` accepted:

- a step guard at the top of every ``for``/``while`` body and in every comprehension iteration;
- every ``def`` and ``lambda`` wrapped so that each call counts a step and a call-depth level;
- ``a.b`` becomes a checked attribute read (per-type allowlist, wrapping of growing methods);
- ``+ * ** << %`` (and their augmented forms) go through size checks made before computing;
- f-string fields go through a checked ``format``; displays with ``*``/``**`` unpacking are sized.

The guard names start with an underscore, which evaluated code itself can never name.
"""

from __future__ import annotations

import ast
from typing import Any

STEP = "_g_step"
TICK = "_g_tick"
FUNCTION = "_g_fn"
ATTRIBUTE = "_g_attr"
FORMAT = "_g_fmt"
SIZED = "_g_sized"

#: Binary operators that can grow a value beyond its operands, and the guard for each.
BINARY_GUARDS: dict[type[ast.operator], str] = {
    ast.Add: "_g_add",
    ast.Mult: "_g_mul",
    ast.Pow: "_g_pow",
    ast.LShift: "_g_lshift",
    ast.Mod: "_g_mod",
}
#: The same for augmented assignment (``x += y`` keeps its in-place meaning for lists).
INPLACE_GUARDS: dict[type[ast.operator], str] = {
    ast.Add: "_g_iadd",
    ast.Mult: "_g_imul",
    ast.Pow: "_g_ipow",
    ast.LShift: "_g_ilshift",
    ast.Mod: "_g_imod",
}

GUARD_NAMES: frozenset[str] = frozenset(
    {STEP, TICK, FUNCTION, ATTRIBUTE, FORMAT, SIZED, *BINARY_GUARDS.values(), *INPLACE_GUARDS.values()}
)


def _call(name: str, args: list[ast.expr], like: ast.AST) -> ast.Call:
    call = ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=args, keywords=[])
    return ast.copy_location(call, like)


class GuardInjector(ast.NodeTransformer):
    """Rewrites an accepted tree so that the runtime guards see every growing operation."""

    def visit_For(self, node: ast.For) -> Any:
        self.generic_visit(node)
        node.body.insert(0, ast.copy_location(ast.Expr(_call(STEP, [], node)), node))
        return node

    def visit_While(self, node: ast.While) -> Any:
        self.generic_visit(node)
        node.body.insert(0, ast.copy_location(ast.Expr(_call(STEP, [], node)), node))
        return node

    def visit_comprehension(self, node: ast.comprehension) -> Any:
        self.generic_visit(node)
        node.ifs.insert(0, _call(TICK, [], node.target))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        self.generic_visit(node)
        node.decorator_list = [ast.copy_location(ast.Name(id=FUNCTION, ctx=ast.Load()), node)]
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        self.generic_visit(node)
        return _call(FUNCTION, [node], node)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        self.generic_visit(node)
        if not isinstance(node.ctx, ast.Load):
            return node
        return _call(ATTRIBUTE, [node.value, ast.copy_location(ast.Constant(node.attr), node)], node)

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        self.generic_visit(node)
        guard = BINARY_GUARDS.get(type(node.op))
        if guard is None:
            return node
        return _call(guard, [node.left, node.right], node)

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        self.generic_visit(node)
        guard = INPLACE_GUARDS.get(type(node.op))
        if guard is None or not isinstance(node.target, ast.Name):
            return node
        current = ast.copy_location(ast.Name(id=node.target.id, ctx=ast.Load()), node.target)
        target = ast.copy_location(ast.Name(id=node.target.id, ctx=ast.Store()), node.target)
        return ast.copy_location(
            ast.Assign(targets=[target], value=_call(guard, [current, node.value], node)), node
        )

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        self.generic_visit(node)
        spec = ""
        if isinstance(node.format_spec, ast.JoinedStr):
            spec = "".join(str(v.value) for v in node.format_spec.values if isinstance(v, ast.Constant))
        args: list[ast.expr] = [
            node.value,
            ast.copy_location(ast.Constant(node.conversion), node),
            ast.copy_location(ast.Constant(spec), node),
        ]
        return ast.copy_location(ast.FormattedValue(value=_call(FORMAT, args, node), conversion=-1), node)

    def _sized_display(self, node: ast.List | ast.Tuple | ast.Set) -> Any:
        self.generic_visit(node)
        loading = isinstance(node, ast.Set) or isinstance(node.ctx, ast.Load)
        if loading and any(isinstance(e, ast.Starred) for e in node.elts):
            return _call(SIZED, [node], node)
        return node

    visit_List = _sized_display
    visit_Tuple = _sized_display
    visit_Set = _sized_display

    def visit_Dict(self, node: ast.Dict) -> Any:
        self.generic_visit(node)
        if any(key is None for key in node.keys):
            return _call(SIZED, [node], node)
        return node


def compile_guarded(tree: ast.AST, mode: str) -> Any:
    """Inject the guards into ``tree`` (modified in place) and compile it."""
    guarded = GuardInjector().visit(tree)
    ast.fix_missing_locations(guarded)
    return compile(guarded, "<evaluated>", mode, dont_inherit=True)

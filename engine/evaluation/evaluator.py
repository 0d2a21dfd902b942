"""The restricted evaluator: checks, compiles (once, cached) and runs expressions and scripts."""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable, Mapping, MutableMapping
from types import CodeType, MappingProxyType
from typing import Any

from engine.errors import EngineError, EvaluationError, EvaluationLimitExceeded
from engine.evaluation import policy
from engine.evaluation.budget import SOURCE_FILENAME, Stop
from engine.evaluation.limits import Limits
from engine.evaluation.messages import message
from engine.evaluation.namespace import builtins_for
from engine.evaluation.runtime import Runtime
from engine.evaluation.transform import GUARD_NAMES, compile_guarded

_RESERVED = GUARD_NAMES | {"__builtins__"}


class Evaluator:
    """Runs expressions and scripts without imports, dunders, ``str.format`` or unbounded work.

    ``functions`` are extra names offered to the code (the engine passes ``workdays``,
    ``add_workdays``, ``now``, ``today``); task data shadows them and the built-ins, as in Python.
    Instances are thread-safe: the only state they keep is an LRU cache of compiled code.
    """

    def __init__(
        self,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        *,
        limits: Limits | None = None,
        cache_size: int = 1024,
    ) -> None:
        for name in functions or {}:
            if not name.isidentifier() or name.startswith("_") or name in policy.FORBIDDEN_NAMES:
                raise ValueError(f"{name!r} cannot be offered to evaluated code as a function name")
        self.limits = limits or Limits()
        self.functions: Mapping[str, Callable[..., Any]] = MappingProxyType(dict(functions or {}))
        self._compiled: Callable[[str, str], CodeType] = functools.lru_cache(maxsize=cache_size)(
            self._compile
        )

    # -- checking (deploy time) ---------------------------------------------------------------------

    def check_expression(self, source: str) -> None:
        """Check (and compile) an expression without running it.

        :raises EvaluationRefused: with ``code`` and ``line`` in its params.
        """
        self._compiled(_expression_text(source), "eval")

    def check_script(self, source: str) -> None:
        """Check (and compile) a multi-line script without running it.

        :raises EvaluationRefused: with ``code`` and ``line`` in its params.
        """
        self._compiled(_script_text(source), "exec")

    def cache_info(self) -> Any:
        """Hits, misses and size of the compiled-code cache (``functools`` cache info)."""
        return self._compiled.cache_info()  # type: ignore[attr-defined]

    def _compile(self, source: str, mode: str) -> CodeType:
        tree = policy.parse(source, mode, self.limits.max_source_chars)
        policy.check(tree, source, mode)
        try:
            code: CodeType = compile_guarded(tree, mode)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as err:
            line = getattr(err, "lineno", None) or 1
            raise policy.refusal("EVALUATION_SYNTAX_ERROR", line, detail=str(err)) from None
        return code

    # -- running ------------------------------------------------------------------------------------

    def evaluate(
        self, source: str, context: Mapping[str, Any], *, external: Mapping[str, Any] | None = None
    ) -> Any:
        """The value of expression ``source`` with the names in ``context`` (and ``external``).

        :raises EvaluationRefused: the source, or a value it reached, is not allowed.
        :raises EvaluationLimitExceeded: it went over a limit (steps, time, size, digits, depth, memory).
        :raises EvaluationError: the expression itself raised; ``error_type``/``error`` in params.
        """
        code = self._compiled(_expression_text(source), "eval")
        runtime = Runtime(self.limits)
        namespace = self._namespace(runtime, context, external)
        result = self._run(code, namespace, runtime)
        _guarded(runtime, runtime.check_result, result)
        return result

    def execute(
        self, source: str, context: MutableMapping[str, Any], *, external: Mapping[str, Any] | None = None
    ) -> None:
        """Run script ``source``; the names it assigns (or deletes) land in ``context``.

        Names from ``external`` are readable but written back only if the script assigns them.
        Functions the script defines are not written back. ``context`` is updated only if the
        script succeeds (objects it mutated in place stay mutated).

        :raises EvaluationRefused: the source, or a value it reached, is not allowed.
        :raises EvaluationLimitExceeded: it went over a limit (steps, time, size, digits, depth, memory).
        :raises EvaluationError: the script itself raised; ``error_type``/``error``/``line`` in params.
        """
        code = self._compiled(_script_text(source), "exec")
        runtime = Runtime(self.limits)
        namespace = self._namespace(runtime, context, external)
        self._run(code, namespace, runtime)
        external = external or {}
        updates: dict[str, Any] = {}
        for name, value in namespace.items():
            if name in _RESERVED or callable(value):
                continue
            if name in context:
                if context[name] is value:
                    continue
            elif name in external and external[name] is value:
                continue
            updates[name] = value
        _guarded(runtime, runtime.check_result, list(updates.values()))
        for name in [name for name in context if name not in namespace]:
            del context[name]
        context.update(updates)

    def _namespace(
        self, runtime: Runtime, context: Mapping[str, Any], external: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        namespace: dict[str, Any] = dict(external) if external else {}
        namespace.update(context)
        namespace.update(runtime.guards())
        namespace["__builtins__"] = builtins_for(runtime, self.functions)
        return namespace

    def _run(self, code: CodeType, namespace: dict[str, Any], runtime: Runtime) -> Any:
        try:
            result = eval(code, namespace)  # noqa: S307 - code compiled from a checked, guarded tree
        except Stop as stop:
            raise stop.error from None
        except RecursionError as exc:
            raise _limit(runtime, exc, "EVALUATION_DEPTH_LIMIT", limit=runtime.limits.max_depth) from None
        except MemoryError as exc:
            limit = runtime.limits.max_memory_mb
            raise _limit(runtime, exc, "EVALUATION_MEMORY_LIMIT", size="?", limit=limit) from None
        except Exception as exc:
            runtime.finish()
            raise _raised(exc) from exc
        runtime.finish()
        return result


def _guarded(runtime: Runtime, check: Callable[[Any], None], value: Any) -> None:
    try:
        check(value)
    except Stop as stop:
        raise stop.error from None


def _limit(runtime: Runtime, exc: BaseException, code: str, **params: Any) -> EvaluationLimitExceeded:
    if isinstance(runtime.failure, EvaluationLimitExceeded):
        return runtime.failure
    line = _line_of(exc)
    return EvaluationLimitExceeded(message(code, "en", line=line, **params), code=code, line=line, **params)


def _line_of(exc: BaseException) -> int:
    """The line of evaluated code where ``exc`` was raised (innermost), 1 if unknown."""
    line = 1
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == SOURCE_FILENAME and tb.tb_lineno:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _raised(exc: Exception) -> EvaluationError:
    params: dict[str, Any] = {"error_type": type(exc).__name__, "error": str(exc), "line": _line_of(exc)}
    if isinstance(exc, EngineError):
        params["error_code"] = exc.code
    return EvaluationError(message("EVALUATION_ERROR", "en", **params), code="EVALUATION_ERROR", **params)


def _expression_text(source: Any) -> str:
    if not isinstance(source, str) or not source.strip():
        raise policy.refusal("EVALUATION_SYNTAX_ERROR", 1, detail="empty or missing expression")
    return source.strip()


def _script_text(source: Any) -> str:
    if not isinstance(source, str):
        raise policy.refusal("EVALUATION_SYNTAX_ERROR", 1, detail="missing script")
    return textwrap.dedent(source)

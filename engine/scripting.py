"""SpiffWorkflow's script engine, routed through the restricted evaluator.

:class:`RestrictedScriptEngine` replaces SpiffWorkflow's ``PythonScriptEngine`` (plain ``eval``/
``exec``): sequence-flow conditions, script tasks, pre/post scripts, timer expressions, message
payload and correlation expressions, service-task parameters and DMN decision-table cells all reach
the :class:`~engine.evaluation.Evaluator` through it.

Errors: SpiffWorkflow wraps errors in ``WorkflowTaskException``. This engine raises that exception
``from`` the evaluator's error, so ``exc.__cause__`` is the :class:`~engine.errors.EvaluationError`
(``EvaluationRefused``/``EvaluationLimitExceeded``); paths where the library calls the environment
directly (message correlations) raise the evaluator's error unwrapped. :func:`evaluation_error`
finds it either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.errors import EngineError, EvaluationError, EvaluationRefused
from engine.evaluation import Evaluator, message

# DMNEngine replaces a "?" outside quotes by this name and binds it to the input's value.
_DMN_INPUT = "dmninputexpr"
_DMN_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


class ServiceCallNotDeferred(EngineError):
    """The script engine was asked to call a service; the engine defers service tasks to jobs."""

    code = "SERVICE_CALL_NOT_DEFERRED"


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """A script-engine environment that evaluates and executes through an Evaluator."""

    def __init__(self, evaluator: Evaluator) -> None:
        super().__init__({})
        self.evaluator = evaluator

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        """The value of ``expression`` over task data ``context`` (and ``external_context``)."""
        return self.evaluator.evaluate(expression, context, external=external_context)

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        """Run ``script``; the names it assigns land in ``context``."""
        self.evaluator.execute(script, context, external=external_context)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        """Never called by the engine; see :meth:`RestrictedScriptEngine.call_service`.

        :raises ServiceCallNotDeferred: always.
        """
        raise _not_deferred("?", kwargs.get("operation_name"))


class RestrictedScriptEngine(PythonScriptEngine):
    """SpiffWorkflow script engine whose every evaluation goes through ``evaluator``.

    Not serialized with a workflow: attach it again after every restore. One instance can serve
    many workflows and threads.
    """

    def __init__(self, evaluator: Evaluator) -> None:
        super().__init__(environment=RestrictedEnvironment(evaluator))
        self.evaluator = evaluator

    def validate(self, expression: str) -> None:
        """Check an expression (used by the DMN engine; a syntax error is raised as SyntaxError).

        :raises SyntaxError: the text does not parse as an expression.
        :raises EvaluationRefused: it parses but is not allowed.
        """
        try:
            self.evaluator.check_expression(expression)
        except EvaluationRefused as err:
            if err.code == "EVALUATION_SYNTAX_ERROR":
                raise SyntaxError(err.message) from err
            raise

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        """The value of ``expression`` over the task's data.

        :raises WorkflowTaskException: with the EvaluationError as ``__cause__``.
        """
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except EvaluationError as err:
            raise _task_error(task, f"Error evaluating expression '{expression}'", err, None) from err

    def execute(self, task: Any, script: str, external_context: Any = None) -> bool:
        """Run ``script`` over the task's data.

        :raises WorkflowTaskException: with the EvaluationError as ``__cause__`` and its line.
        """
        try:
            return bool(self.environment.execute(script, task.data, external_context or {}))
        except EvaluationError as err:
            raise _task_error(task, "Error running script", err, script) from err

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        """Refuse: the engine defers service tasks to jobs and never calls services from here.

        :raises ServiceCallNotDeferred: always.
        """
        raise _not_deferred(getattr(task.task_spec, "bpmn_id", None) or "?", kwargs.get("operation_name"))


def _not_deferred(task_id: str, operation: Any) -> ServiceCallNotDeferred:
    params = {"task": task_id, "operation": operation or "?"}
    return ServiceCallNotDeferred(message("SERVICE_CALL_NOT_DEFERRED", "en", **params), **params)


def _task_error(task: Any, what: str, err: EvaluationError, script: str | None) -> WorkflowTaskException:
    line = err.params.get("line")
    error_line = None
    if script is not None and isinstance(line, int):
        lines = script.splitlines()
        error_line = lines[line - 1] if 0 < line <= len(lines) else None
    return WorkflowTaskException(
        f"{what}: {err.message}", task=task, exception=err, line_number=line, error_line=error_line
    )


def evaluation_error(exc: BaseException) -> EvaluationError | None:
    """The evaluator's error behind ``exc`` (itself, or found along ``__cause__``/``__context__``)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, EvaluationError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


# -- deploy-time checks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """An expression or script found in a process spec: where it is and how it runs."""

    element: str
    kind: str  # script, prescript, postscript, condition, timer, message, correlation, parameter, ...
    mode: str  # "eval", "exec" or "dmn-cell" (a DMN input entry, checked the way DMNEngine runs it)
    text: str


@dataclass(frozen=True)
class Problem:
    """A source the evaluator refuses."""

    source: Source
    error: EvaluationRefused


def iter_sources(spec: Any) -> Iterator[Source]:
    """Every expression and script in a parsed process spec (including its DMN decision tables)."""
    for name, task_spec in spec.task_specs.items():
        element = getattr(task_spec, "bpmn_id", None) or name
        for attr in ("script", "prescript", "postscript"):
            text = getattr(task_spec, attr, None)
            if isinstance(text, str) and text.strip():
                yield Source(element, attr, "exec", text)
        for condition, _target in getattr(task_spec, "cond_task_specs", None) or []:
            if condition is not None and getattr(condition, "args", None):
                yield Source(element, "condition", "eval", condition.args[0])
        for attr in ("cardinality", "condition"):
            text = getattr(task_spec, attr, None)
            if isinstance(text, str) and text.strip():
                yield Source(element, attr, "eval", text)
        for param, value in (getattr(task_spec, "operation_params", None) or {}).items():
            if isinstance(value, dict) and isinstance(value.get("value"), str):
                yield Source(element, f"parameter {param}", "eval", value["value"])
        event = getattr(task_spec, "event_definition", None)
        for definition in [event, *getattr(event, "event_definitions", [])] if event is not None else []:
            yield from _event_sources(element, definition)
        engine = getattr(task_spec, "dmnEngine", None)
        if engine is not None:
            yield from _decision_sources(element, engine.decision_table)


def _event_sources(element: str, definition: Any) -> Iterator[Source]:
    expression = getattr(definition, "expression", None)
    if isinstance(expression, str) and expression.strip():
        yield Source(element, type(definition).__name__, "eval", expression)
    for attr in ("correlation_properties", "process_correlations"):
        for prop in getattr(definition, attr, None) or []:
            text = getattr(prop, "retrieval_expression", None)
            if isinstance(text, str) and text.strip():
                yield Source(element, "correlation", "eval", text)


def _decision_sources(element: str, table: Any) -> Iterator[Source]:
    for column in table.inputs:
        if column.expression:
            yield Source(element, "decision input", "eval", column.expression)
    for rule in table.rules:
        for entry in rule.inputEntries:
            for text in entry.lhs:
                if text is not None and text.strip():
                    yield Source(element, f"decision rule {rule.row_number} input", "dmn-cell", text)
        for entry in rule.outputEntries:
            if getattr(entry, "text", None):
                yield Source(element, f"decision rule {rule.row_number} output", "eval", entry.text)


def check_source(evaluator: Evaluator, source: Source) -> None:
    """Check one source without running it.

    :raises EvaluationRefused: the source is not allowed.
    """
    if source.mode == "exec":
        evaluator.check_script(source.text)
    elif source.mode == "dmn-cell":
        _check_dmn_cell(evaluator, source.text)
    else:
        evaluator.check_expression(source.text)


def _check_dmn_cell(evaluator: Evaluator, text: str) -> None:
    cell = _DMN_QUESTION_MARK.sub(_DMN_INPUT, text)
    if _DMN_INPUT in cell:
        evaluator.check_expression(cell)
        return
    try:
        evaluator.check_expression(cell)
    except EvaluationRefused as err:
        if err.code != "EVALUATION_SYNTAX_ERROR":
            raise
        evaluator.check_expression(f"v {cell}")  # a comparison like "> 5": DMNEngine prefixes the input


def check_spec(evaluator: Evaluator, spec: Any) -> list[Problem]:
    """Every refused expression or script in a parsed process spec (empty if all are allowed)."""
    problems = []
    for source in iter_sources(spec):
        try:
            check_source(evaluator, source)
        except EvaluationRefused as err:
            problems.append(Problem(source, err))
    return problems

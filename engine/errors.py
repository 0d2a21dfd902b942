"""Exceptions the engine raises; entrypoints (web, command line) map them to statuses and exit codes.

Every error carries a stable ``code`` and ``params`` so that `web` and the command line can translate
the message; ``str(error)`` is a plain English sentence for logs.
"""

from __future__ import annotations

from typing import Any


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "ENGINE_ERROR"

    def __init__(self, message: str, *, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        if code:
            self.code = code
        self.params = params

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.code

    def as_dict(self) -> dict[str, Any]:
        """The error as ``{"code", "message", "details"}``, the shape of the API's JSON errors."""
        return {"code": self.code, "message": self.message, "details": self.params}


class NotFound(EngineError):
    code = "NOT_FOUND"


class InstanceNotFound(NotFound):
    code = "INSTANCE_NOT_FOUND"


class TaskNotFound(NotFound):
    code = "TASK_NOT_FOUND"


class DefinitionNotFound(NotFound):
    code = "DEFINITION_NOT_FOUND"


class IncidentNotFound(NotFound):
    code = "INCIDENT_NOT_FOUND"


class Conflict(EngineError):
    """The request clashes with the current state (answered 409 by the API)."""

    code = "CONFLICT"


class TaskConflict(Conflict):
    """The task is no longer ready: completed already, claimed by someone else, or a stale form."""

    code = "TASK_CONFLICT"


class InstanceStateConflict(Conflict):
    """The instance is not in a state that allows the act (e.g. completing a task of a suspended one)."""

    code = "INSTANCE_STATE_CONFLICT"


class DuplicateBusinessKey(Conflict):
    code = "DUPLICATE_BUSINESS_KEY"


class InvalidDefinition(EngineError):
    """A BPMN, DMN or form file cannot be deployed. ``file``, ``line`` and ``element`` say where."""

    code = "INVALID_DEFINITION"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        element: str | None = None,
        code: str | None = None,
        **params: Any,
    ) -> None:
        super().__init__(message, code=code, file=file, line=line, element=element, **params)
        self.file, self.line, self.element = file, line, element

    def __str__(self) -> str:
        where = self.file or "<definition>"
        if self.line:
            where += f":{self.line}"
        if self.element:
            where += f" ({self.element})"
        return f"{where}: {self.message}"


class InvalidInput(EngineError):
    """Data given by a person or a caller is invalid. ``params['errors']`` lists field-level errors."""

    code = "INVALID_INPUT"


class Forbidden(EngineError):
    """The actor may not do this (e.g. completing a task assigned to someone else)."""

    code = "FORBIDDEN"


class EvaluationError(EngineError):
    """An expression or script failed: refused by the restricted evaluator, over its limits, or raised."""

    code = "EVALUATION_ERROR"


class EvaluationRefused(EvaluationError):
    """The source uses something the restricted evaluator does not allow (imports, dunders, format)."""

    code = "EVALUATION_REFUSED"


class EvaluationLimitExceeded(EvaluationError):
    """The evaluation used too much time, too many steps, too deep a recursion or too much memory."""

    code = "EVALUATION_LIMIT_EXCEEDED"


class StepFailed(EngineError):
    """A step of the process failed while the engine ran it (a script, a condition, a decision).

    Nothing of the act that led to it is stored; a job that runs into it retries and then opens an
    incident.
    """

    code = "STEP_FAILED"


class OperatorError(Exception):
    """Base of what a service-task operator raises to tell the engine how its call failed."""


class BusinessError(OperatorError):
    """The other side answered with a business refusal; the engine routes ``code`` to an error boundary."""

    def __init__(self, code: str, message: str = "", **details: Any) -> None:
        super().__init__(message or code)
        self.code = code
        self.details = details


class TechnicalError(OperatorError):
    """The call could not be made or its outcome is unknown (timeout, 5xx, malformed answer): retry."""

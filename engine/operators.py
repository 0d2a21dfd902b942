"""The registry of service-task operators: the names BPMN service tasks use, and what they call.

An operator is a plain function ``func(params: dict, call: OperatorCall) -> dict``. It returns a
JSON-serializable result, stored in the service task's result variable; it raises
:class:`engine.errors.BusinessError` for a business refusal (routed to the BPMN error boundary with
that code) and :class:`engine.errors.TechnicalError` — or any other exception — when the call should
be retried. The engine calls it with no lock held and at least once, so it must pass
``call.idempotency_key`` to the other side.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class OperatorCall:
    """What the engine tells an operator about the call it is making."""

    idempotency_key: str  # the same for every retry of one logical call; new for an incident retry
    instance_id: str
    element_id: str  # the BPMN service task's id
    attempt: int  # 1 for the first try
    now: datetime  # the engine clock's time when the call started
    business_key: str | None = None
    # Access to the instance's attachments (blob storage): read one by id, or store a new one and get
    # its id back. None when the host offers no attachment store (e.g. in a unit test).
    read_attachment: Callable[[str], bytes] | None = None
    save_attachment: Callable[[str, str, bytes], str] | None = None  # (filename, content_type, data) -> id


@dataclass(frozen=True)
class Parameter:
    """One documented operator parameter."""

    name: str
    type: str = "string"
    required: bool = True
    description: str = ""


@dataclass(frozen=True)
class Operator:
    """A registered operator and its documentation."""

    name: str
    func: Callable[[dict[str, Any], OperatorCall], dict[str, Any]]
    description: str = ""
    parameters: tuple[Parameter, ...] = ()
    result_fields: tuple[str, ...] = ()
    error_codes: tuple[str, ...] = ()
    # Defaults for retrying technical failures when the BPMN does not say.
    retries: int | None = None
    timeout_seconds: float | None = None

    def missing_parameters(self, given: Iterable[str]) -> list[str]:
        """Names of required parameters not in ``given``."""
        have = set(given)
        return [p.name for p in self.parameters if p.required and p.name not in have]


@dataclass
class OperatorRegistry:
    """Maps operator names to :class:`Operator`; the deployer refuses BPMN naming an unknown one."""

    _operators: dict[str, Operator] = field(default_factory=dict)

    def register(
        self,
        name: str,
        func: Callable[[dict[str, Any], OperatorCall], dict[str, Any]],
        *,
        description: str = "",
        parameters: Iterable[Parameter] = (),
        result_fields: Iterable[str] = (),
        error_codes: Iterable[str] = (),
        retries: int | None = None,
        timeout_seconds: float | None = None,
    ) -> Operator:
        """Register ``func`` under ``name``.

        :raises ValueError: when the name is taken.
        """
        if name in self._operators:
            raise ValueError(f"operator {name!r} is registered already")
        op = Operator(
            name=name,
            func=func,
            description=description,
            parameters=tuple(parameters),
            result_fields=tuple(result_fields),
            error_codes=tuple(error_codes),
            retries=retries,
            timeout_seconds=timeout_seconds,
        )
        self._operators[name] = op
        return op

    def operator(self, name: str, **doc: Any) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
        """Decorator form of :meth:`register`."""

        def wrap(func: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
            self.register(name, func, **doc)
            return func

        return wrap

    def get(self, name: str) -> Operator:
        """The operator called ``name``.

        :raises KeyError: when none is registered under that name.
        """
        return self._operators[name]

    def __contains__(self, name: object) -> bool:
        return name in self._operators

    def names(self) -> list[str]:
        return sorted(self._operators)

    def describe(self) -> list[dict[str, Any]]:
        """Documentation of every operator, for the command line and the API."""
        return [
            {
                "name": op.name,
                "description": op.description,
                "parameters": [p.__dict__ for p in op.parameters],
                "result_fields": list(op.result_fields),
                "error_codes": list(op.error_codes),
            }
            for op in (self._operators[n] for n in self.names())
        ]

"""The engine's extensions of SpiffWorkflow 3.2: deferred service tasks, late-bound decisions,
timers on the engine clock, and the parser and serializer that know them.

Everything here extends the library by subclassing or by copying its configuration; no library global
is changed. Specs are cached per process-definition version, so the serialized state never holds them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import BusinessRuleTaskParser, ServiceTaskParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import BusinessRuleTaskConverter, ServiceTaskConverter
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask, ServiceTask
from SpiffWorkflow.util.deep_merge import DeepMerge

from engine.clock import Clock, SystemClock

SERIALIZER_VERSION = "shebao-1"


@dataclass
class PendingCall:
    """A service task that reached its turn: the job the engine must write for it."""

    task_id: str
    element_id: str
    operator: str
    params: dict[str, Any]
    retries: int | None
    backoff_base: int | None


@dataclass
class DecisionAnswer:
    """Which deployed decision version answered a business-rule task."""

    element_id: str
    decision_id: str
    version: int


@dataclass
class RunContext:
    """What an advance of one instance needs from the host, attached to the workflow (not serialized)."""

    clock: Clock = field(default_factory=SystemClock)
    resolve_decision: Callable[[str], tuple[DMNEngine, int]] | None = None
    pending_calls: list[PendingCall] = field(default_factory=list)
    decisions: list[DecisionAnswer] = field(default_factory=list)


def run_context(task_or_workflow: Any) -> RunContext:
    """The RunContext attached to the top workflow of a task or workflow."""
    wf = getattr(task_or_workflow, "workflow", task_or_workflow)
    top = getattr(wf, "top_workflow", wf)
    ctx = getattr(top, "run_context", None)
    if ctx is None:
        raise RuntimeError("workflow has no run context attached; use attach_context() after restore")
    return ctx


def attach_context(workflow: BpmnWorkflow, ctx: RunContext) -> RunContext:
    """Attach a run context to a created or restored workflow."""
    workflow.run_context = ctx
    return ctx


class DeferredServiceTask(ServiceTask):
    """A service task that records its call for the job executor and waits (stays STARTED)."""

    def _execute(self, task: Any) -> bool | None:
        params = {name: p["value"] for name, p in self.evaluate_params(task).items()}
        run_context(task).pending_calls.append(
            PendingCall(
                task_id=str(task.id),
                element_id=self.bpmn_id,
                operator=self.operation_name,
                params=params,
                retries=self.retries,
                backoff_base=self.retry_backoff_base,
            )
        )
        return None


class LateBoundBusinessRuleTask(BusinessRuleTask):
    """A business-rule task that asks the host for the newest deployed version of its decision."""

    def __init__(self, wf_spec: Any, name: str, dmnEngine: DMNEngine, decision_id: str = "", **kwargs: Any):
        super().__init__(wf_spec, name, dmnEngine, **kwargs)
        self.decision_id = decision_id

    def _run_hook(self, my_task: Any) -> bool:
        ctx = run_context(my_task)
        engine: Any = self.dmnEngine
        version = 0
        if ctx.resolve_decision is not None and self.decision_id:
            engine, version = ctx.resolve_decision(self.decision_id)
        ctx.decisions.append(DecisionAnswer(self.bpmn_id, self.decision_id, version))
        # The library's hook evaluates self.dmnEngine; the spec is shared between threads, so the
        # resolved engine is applied here instead of being swapped onto the spec.
        try:
            my_task.data = DeepMerge.merge(my_task.data, engine.result(my_task))
        except SpiffWorkflowException as we:
            we.add_note(f"Business Rule Task '{self.bpmn_name}'.")
            raise
        except Exception as exc:
            error = WorkflowTaskException(str(exc), task=my_task)
            error.add_note(f"Business Rule Task '{self.bpmn_name}'.")
            raise error from exc
        return bool(super(BusinessRuleTaskMixin, self)._run_hook(my_task))


class _LateBoundBusinessRuleTaskParser(BusinessRuleTaskParser):
    def create_task(self) -> LateBoundBusinessRuleTask:
        decision_ref = self.get_decision_ref(self.node)
        extensions = self.parse_extensions()
        return LateBoundBusinessRuleTask(
            self.spec,
            self.bpmn_id,
            dmnEngine=self.process_parser.parser.get_engine(decision_ref, self.node),
            decision_id=decision_ref,
            prescript=extensions.get("preScript"),
            postscript=extensions.get("postScript"),
            **self.bpmn_attributes,
        )


class EngineParser(SpiffBpmnParser):
    """SpiffBpmnParser that builds the engine's task classes."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (ServiceTaskParser, DeferredServiceTask),
        full_tag("businessRuleTask"): (_LateBoundBusinessRuleTaskParser, LateBoundBusinessRuleTask),
    }


# -- timers on the engine clock -------------------------------------------------------------------


def _now(my_task: Any) -> datetime:
    return run_context(my_task).clock.now()


class ClockTimeDateEventDefinition(TimeDateEventDefinition):
    """A date timer that fires by the engine clock."""

    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.parse_time_or_duration(event_value) <= _now(my_task):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockDurationTimerEventDefinition(DurationTimerEventDefinition):
    """A duration timer that starts and fires by the engine clock."""

    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        now = _now(my_task)
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            parsed = TimerEventDefinition.parse_iso_duration(expression)
            event_value = (now + TimerEventDefinition.get_timedelta_from_start(parsed, now)).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) <= now:
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockCycleTimerEventDefinition(CycleTimerEventDefinition):
    """A cycle timer whose cycles are counted by the engine clock."""

    def cycle_complete(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        now = _now(my_task)
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            cycles, start, duration = _parse_cycle(expression, now)
            event_value = {"cycles": cycles, "next": start.isoformat(), "duration": duration.total_seconds()}
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event <= now:
                event_value["next"] = (next_event + timedelta(seconds=event_value["duration"])).isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


def _parse_cycle(expression: str, now: datetime) -> tuple[int, datetime, timedelta]:
    """Parse ``R[n]/...`` like the library, but with an interval-only cycle starting from ``now``."""
    components = expression.upper().replace("--", "/").strip("R").split("/")
    if len(components) == 2 and components[1].startswith("P"):
        cycles = int(components[0]) if components[0] else -1
        parsed = TimerEventDefinition.parse_iso_duration(components[1])
        duration = TimerEventDefinition.get_timedelta_from_start(parsed, now)
        return cycles, now + duration, duration
    return TimerEventDefinition.parse_iso_recurring_interval(expression)


_CLOCK_TIMERS: dict[type, type] = {
    TimeDateEventDefinition: ClockTimeDateEventDefinition,
    DurationTimerEventDefinition: ClockDurationTimerEventDefinition,
    CycleTimerEventDefinition: ClockCycleTimerEventDefinition,
}


def use_engine_clock(specs: list[Any]) -> None:
    """Make every timer event definition in the given process specs use the engine clock.

    The parser builds the library's timer classes; their only difference from ours is where "now"
    comes from, so the instances are retyped in place right after parsing.
    """
    for spec in specs:
        for task_spec in spec.task_specs.values():
            ed = getattr(task_spec, "event_definition", None)
            if ed is None:
                continue
            for inner in [ed, *getattr(ed, "event_definitions", [])]:
                replacement = _CLOCK_TIMERS.get(type(inner))
                if replacement is not None:
                    inner.__class__ = replacement


# -- serialization ----------------------------------------------------------------------------------


class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    """Leaves the specs out of the state and takes them from the cache on restore."""

    specs: tuple[Any, dict[str, Any]] | None = None

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any]) -> BpmnWorkflow:
        from uuid import UUID

        if self.specs is None:
            raise RuntimeError("restore needs the process specs")
        spec, subprocess_specs = self.specs
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _serializer_config() -> dict[type, type]:
    config = deepcopy(SPIFF_CONFIG)
    config[DeferredServiceTask] = ServiceTaskConverter
    config[LateBoundBusinessRuleTask] = BusinessRuleTaskConverter
    config[BpmnWorkflow] = _SpecFreeWorkflowConverter
    # An event-based gateway keeps the events it has seen (with their definitions) in its task's
    # internal data, so the clock-aware timer classes must be serializable like the library's own.
    for library_class, clock_class in _CLOCK_TIMERS.items():
        config[clock_class] = config[library_class]
    return config


def _registry() -> Any:
    registry = BpmnWorkflowSerializer.configure(_serializer_config())
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]))
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    return registry


class StateSerializer:
    """Serializes a workflow's state without its specs. Not thread-safe: one per thread."""

    def __init__(self) -> None:
        registry = _registry()
        self._serializer = BpmnWorkflowSerializer(registry, version=SERIALIZER_VERSION)
        to_dict = registry.convert_to_dict[registry.typenames[BpmnWorkflow]]
        self._converter: _SpecFreeWorkflowConverter = to_dict.args[1].__self__

    def dumps(self, workflow: BpmnWorkflow) -> str:
        """The workflow's state as JSON text (task data as deltas, so never store it reordered)."""
        return self._serializer.serialize_json(workflow)

    def loads(self, text: str, spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
        """Restore a workflow from :meth:`dumps` output with the cached specs."""
        dct = json.loads(text)
        dct.pop(BpmnWorkflowSerializer.VERSION_KEY, None)
        self._converter.specs = (spec, subprocess_specs)
        try:
            return self._serializer.from_dict(dct)
        finally:
            self._converter.specs = None


def merge_data(task: Any, data: dict[str, Any]) -> None:
    """Merge ``data`` into a task's data the way the library merges results."""
    task.data = DeepMerge.merge(task.data, data)

"""Coverage of scenario runs: which sequence flows were taken and which boundary events fired.

SpiffWorkflow keeps every task it created in a tree (a loop adds new branches instead of revisiting
old ones). A sequence flow ``S -> T`` was taken when a task of ``T`` was reached and its nearest
ancestor task that is a BPMN element is a task of ``S``; the flow is found by that (sourceRef,
targetRef) pair in the deployed XML. "Reached" means the task ran or waits (ready, started, waiting,
completed, error), or was cancelled after its parent completed — a task interrupted by a boundary
event or a parallel join's spare branch — except the events after an event-based gateway, which
count only when they fired. A boundary event fired when its task completed. Flows and boundary
events inside an embedded subprocess count for the process that contains it; those of a called
process (call activity) for the callee's process id.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.util.task import TaskState

from engine.xmlsafe import parse_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_REACHED = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.COMPLETED | TaskState.ERROR


@dataclass
class ProcessGraph:
    """The sequence flows and boundary events of one BPMN process (nested subprocesses included)."""

    process_id: str
    name: str | None = None
    flows: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (sourceRef, targetRef)
    boundary_events: list[str] = field(default_factory=list)

    def flows_between(self, source: str, target: str) -> list[str]:
        """Ids of the flows from ``source`` to ``target`` (usually one, or none)."""
        return [fid for fid, pair in self.flows.items() if pair == (source, target)]


def graphs_from_files(files: Mapping[str, bytes]) -> dict[str, ProcessGraph]:
    """The process graphs of every BPMN file given (path -> content), by process id."""
    graphs: dict[str, ProcessGraph] = {}
    for path, data in files.items():
        if not path.lower().endswith(".bpmn"):
            continue
        root = parse_xml(data, path)
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            pid = process.get("id")
            if pid:
                graphs[pid] = _graph(pid, process)
    return graphs


def _graph(pid: str, process: etree._Element) -> ProcessGraph:
    graph = ProcessGraph(pid, process.get("name"))
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        fid, src, tgt = flow.get("id"), flow.get("sourceRef"), flow.get("targetRef")
        if fid and src and tgt:
            graph.flows[fid] = (src, tgt)
    graph.boundary_events = [b.get("id") or "" for b in process.iter(f"{{{BPMN_NS}}}boundaryEvent") if b.get("id")]
    return graph


@dataclass
class Taken:
    """What one run of one process took."""

    flows: set[str] = field(default_factory=set)
    boundary_events: set[str] = field(default_factory=set)


def taken_by_workflow(workflow: Any, process_id: str, graphs: Mapping[str, ProcessGraph]) -> dict[str, Taken]:
    """Flows taken and boundary events fired by a workflow and its subworkflows, by process id."""
    out: dict[str, Taken] = {}
    owners: dict[Any, str] = {}

    def owner_of(wf: Any) -> str:
        if wf is workflow:
            return process_id
        key = id(wf)
        if key not in owners:
            parent_task = workflow.get_task_from_id(wf.parent_task_id) if getattr(wf, "parent_task_id", None) else None
            if parent_task is None:
                owners[key] = wf.spec.name
            elif isinstance(parent_task.task_spec, CallActivity):
                owners[key] = wf.spec.name
            else:  # an embedded subprocess belongs to the process that contains it
                owners[key] = owner_of(parent_task.workflow)
        return owners[key]

    for wf in [workflow, *workflow.subprocesses.values()]:
        pid = owner_of(wf)
        graph = graphs.get(pid)
        if graph is None:
            continue
        result = out.setdefault(pid, Taken())
        _collect(wf.task_tree, graph, result)
    return out


def _bpmn_id(task: Any) -> str | None:
    return getattr(task.task_spec, "bpmn_id", None)


def _reached(task: Any) -> bool:
    if task.has_state(_REACHED):
        return True
    parent = task.parent
    if not task.has_state(TaskState.CANCELLED) or parent is None or not parent.has_state(TaskState.COMPLETED):
        return False
    return type(parent.task_spec).__name__ != "EventBasedGateway"


def _walk(root: Any) -> Iterator[tuple[Any, str | None]]:
    """Every task with the BPMN id of its nearest BPMN ancestor (iterative: loops make deep trees)."""
    stack: list[tuple[Any, str | None]] = [(root, None)]
    while stack:
        task, source = stack.pop()
        yield task, source
        own = _bpmn_id(task)
        below = own if own else source
        stack.extend((child, below) for child in task.children)


def _collect(root: Any, graph: ProcessGraph, result: Taken) -> None:
    boundary = set(graph.boundary_events)
    for task, source in _walk(root):
        target = _bpmn_id(task)
        if not target:
            continue
        if target in boundary:
            if task.has_state(TaskState.COMPLETED):
                result.boundary_events.add(target)
            continue
        if source and _reached(task):
            result.flows.update(graph.flows_between(source, target))


@dataclass
class ProcessCoverage:
    """Coverage of one process over all the scenarios of a run."""

    graph: ProcessGraph
    flows: set[str] = field(default_factory=set)
    boundary_events: set[str] = field(default_factory=set)
    scenarios: int = 0  # scenarios of this process (its own, not callers)

    def uncovered_flows(self) -> list[str]:
        """Flow ids no scenario took, in document order."""
        return [f for f in self.graph.flows if f not in self.flows]

    def uncovered_boundary_events(self) -> list[str]:
        """Boundary event ids that never fired, in document order."""
        return [b for b in self.graph.boundary_events if b not in self.boundary_events]

    @property
    def complete(self) -> bool:
        """True when every flow was taken and every boundary event fired."""
        return not self.uncovered_flows() and not self.uncovered_boundary_events()

    def as_dict(self) -> dict[str, Any]:
        """Figures and uncovered ids as plain data."""
        return {
            "process_id": self.graph.process_id,
            "name": self.graph.name,
            "scenarios": self.scenarios,
            "sequence_flows": _figures(len(self.flows & set(self.graph.flows)), len(self.graph.flows), self.uncovered_flows()),
            "boundary_events": _figures(
                len(self.boundary_events & set(self.graph.boundary_events)),
                len(self.graph.boundary_events),
                self.uncovered_boundary_events(),
            ),
            "complete": self.complete,
        }


def percent(covered: int, total: int) -> int:
    """Whole percent, never rounded up to 100 while something is missing."""
    if total == 0 or covered >= total:
        return 100
    return min(99, round(100 * covered / total))


def _figures(covered: int, total: int, uncovered: list[str]) -> dict[str, Any]:
    return {"covered": covered, "total": total, "percent": percent(covered, total), "uncovered": uncovered}


class CoverageTally:
    """Aggregates what scenarios took, per process."""

    def __init__(self, graphs: Mapping[str, ProcessGraph]) -> None:
        self.graphs = dict(graphs)
        self.processes: dict[str, ProcessCoverage] = {}

    def process(self, process_id: str) -> ProcessCoverage | None:
        """The tally of one process (created on first use), or None when it has no graph."""
        if process_id not in self.processes:
            graph = self.graphs.get(process_id)
            if graph is None:
                return None
            self.processes[process_id] = ProcessCoverage(graph)
        return self.processes[process_id]

    def count_scenario(self, process_id: str) -> None:
        """Note a scenario of ``process_id`` (so that it is reported even when nothing ran)."""
        tally = self.process(process_id)
        if tally is not None:
            tally.scenarios += 1

    def add(self, taken: Mapping[str, Taken]) -> None:
        """Add what one scenario took."""
        for pid, t in taken.items():
            tally = self.process(pid)
            if tally is not None:
                tally.flows |= t.flows
                tally.boundary_events |= t.boundary_events

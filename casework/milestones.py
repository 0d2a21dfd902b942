"""Milestones of a process in the order an employee meets them, and a case's progress through them.

A milestone is the spiffworkflow element property ``milestone`` (employee-facing Chinese text) on the
element where it is reached. Order: the cross-province joiner's five stages are fixed by contract; for
other processes the diagram decides — left to right by the x position of each element's shape (BPMN
layouts run left to right), then by distance from the start event along sequence flows, then by
document order. Several elements may reach the same milestone (e.g. on two branches): it is listed
once, at its first position.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from engine.xmlsafe import parse_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"

JOINER_PROCESS = "cross_province_joiner"
JOINER_MILESTONES = ("材料收集完成", "原单位停保确认", "社保转移中", "新单位参保完成", "社保卡就绪")

State = Literal["done", "skipped", "current", "pending"]


@dataclass(frozen=True)
class Milestone:
    """A milestone name and the elements that reach it."""

    name: str
    elements: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class MilestoneProgress:
    """One milestone of a case: ``done`` (reached), ``skipped`` (the case went past it without
    reaching it, e.g. no transfer was needed), ``current`` (the next one of a running case) or
    ``pending``."""

    name: str
    state: State
    elements: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"name": self.name, "state": self.state, "elements": list(self.elements)}


def _q(local: str, ns: str = BPMN_NS) -> str:
    return f"{{{ns}}}{local}"


def _milestone_of(node: Any) -> str | None:
    ext = node.find(_q("extensionElements"))
    if ext is None:
        return None
    for props in ext.findall(_q("properties", SPIFF_NS)):
        for prop in props.findall(_q("property", SPIFF_NS)):
            if prop.get("name") == "milestone" and (prop.get("value") or "").strip():
                return str(prop.get("value")).strip()
    return None


def _x_positions(root: Any) -> dict[str, float]:
    xs: dict[str, float] = {}
    for shape in root.iter(_q("BPMNShape", BPMNDI_NS)):
        bounds = shape.find(_q("Bounds", DC_NS))
        element = shape.get("bpmnElement")
        if bounds is not None and element:
            try:
                xs[element] = float(bounds.get("x", ""))
            except ValueError:
                continue
    return xs


def _distances(process: Any) -> dict[str, int]:
    """Steps from a start event of the process along sequence flows (boundary events and subprocess
    contents count one step after their host)."""
    edges: dict[str, list[str]] = {}
    starts: list[str] = []
    for node in process.iter():
        if not isinstance(node.tag, str):
            continue
        tag = node.tag
        if tag == _q("sequenceFlow"):
            edges.setdefault(node.get("sourceRef", ""), []).append(node.get("targetRef", ""))
        elif tag == _q("boundaryEvent") and node.get("attachedToRef"):
            edges.setdefault(node.get("attachedToRef"), []).append(node.get("id", ""))
        elif tag == _q("startEvent"):
            parent = node.getparent()
            if parent is process:
                starts.append(node.get("id", ""))
            elif parent is not None and parent.get("id"):
                edges.setdefault(parent.get("id"), []).append(node.get("id", ""))
    dist: dict[str, int] = {s: 0 for s in starts}
    queue = deque(starts)
    while queue:
        current = queue.popleft()
        for nxt in edges.get(current, []):
            if nxt not in dist:
                dist[nxt] = dist[current] + 1
                queue.append(nxt)
    return dist


def milestone_order(bpmn: bytes, process_id: str, filename: str = "process.bpmn") -> list[Milestone]:
    """The milestones of ``process_id`` in the BPMN file, in the order described in the module doc.

    Elements of called processes are not included (they are other processes).

    :raises InvalidDefinition: when the file is not well-formed XML.
    """
    root = parse_xml(bpmn, filename)
    process = next((p for p in root.iter(_q("process")) if p.get("id") == process_id), None)
    if process is None:
        return []
    xs, dist = _x_positions(root), _distances(process)
    found: list[tuple[tuple[float, float, int], str, str]] = []
    for index, node in enumerate(n for n in process.iter() if isinstance(n.tag, str)):
        name = _milestone_of(node)
        nid = node.get("id")
        if name and nid and node.tag.startswith("{" + BPMN_NS + "}"):
            key = (xs.get(nid, float("inf")), float(dist.get(nid, 10**9)), index)
            found.append((key, name, nid))
    found.sort()
    ordered: dict[str, list[str]] = {}
    for _key, name, nid in found:
        ordered.setdefault(name, []).append(nid)
    milestones = [Milestone(name, tuple(ids)) for name, ids in ordered.items()]
    if process_id == JOINER_PROCESS:
        return contract_order(milestones, JOINER_MILESTONES)
    return milestones


def contract_order(found: list[Milestone], names: Iterable[str]) -> list[Milestone]:
    """The contract's names first in their order (with the elements found for them), then any other
    milestone found, in its found order."""
    by_name = {m.name: m for m in found}
    fixed = list(names)
    return [by_name.get(n, Milestone(n)) for n in fixed] + [m for m in found if m.name not in fixed]


def progress_states(milestones: list[Milestone], reached: Iterable[str], status: str) -> list[MilestoneProgress]:
    """Each milestone's state given the names reached so far and the instance status (``running``,
    ``suspended``, ``completed``, ``terminated``).

    Milestones before the last reached one that were not reached are ``skipped``, and so is every
    unreached one of a completed instance; for an active instance the one after the last reached is
    ``current``; the rest are ``pending``.
    """
    got = set(reached)
    last = max((i for i, m in enumerate(milestones) if m.name in got), default=-1)
    active = status in ("running", "suspended")
    out: list[MilestoneProgress] = []
    for i, m in enumerate(milestones):
        if m.name in got:
            state: State = "done"
        elif i < last or status == "completed":
            state = "skipped"
        elif active and i == last + 1:
            state = "current"
        else:
            state = "pending"
        out.append(MilestoneProgress(m.name, state, m.elements))
    return out

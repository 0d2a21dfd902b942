"""The BPMN diagram of a case's process with the steps done and the step(s) now under way.

Done: elements with a ``step_completed`` history entry. Current: the elements of open human tasks and
pending service calls; when such an element belongs to a called process (a call activity runs inside
the parent instance), the call activity of the parent diagram is marked current instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from engine.db.models import (
    HumanTask,
    Job,
    JobKind,
    JobStatus,
    ProcessDefinition,
    ProcessInstance,
    TaskStatus,
)
from engine.xmlsafe import parse_xml
from web.context import engine

BPMN_NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


@dataclass
class DiagramState:
    """What the viewer needs: the XML and the element ids to mark."""

    xml: str
    process_id: str
    done: list[str] = field(default_factory=list)
    current: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON for the page's script."""
        return {"xml": self.xml, "process_id": self.process_id, "done": self.done, "current": self.current}


def _elements(xml: str, path: str) -> tuple[dict[str, set[str]], dict[str, str]]:
    """(process id -> its element ids, call activity id -> called process id) of one BPMN file."""
    root = parse_xml(xml.encode("utf-8"), path)
    processes: dict[str, set[str]] = {}
    calls: dict[str, str] = {}
    for proc in root.iter(BPMN_NS + "process"):
        ids = {node.get("id") for node in proc.iter() if isinstance(node.tag, str) and node.get("id")}
        processes[proc.get("id", "")] = {i for i in ids if i}
        for call in proc.iter(BPMN_NS + "callActivity"):
            if call.get("id") and call.get("calledElement"):
                calls[call.get("id")] = call.get("calledElement")
    return processes, calls


def diagram_state(instance_id: str) -> DiagramState | None:
    """The diagram of an instance's process with its done and current elements, or None."""
    eng = engine()
    with eng.db.reading() as uow:
        inst = uow.session.get(ProcessInstance, instance_id)
        if inst is None:
            return None
        definition = uow.session.get(ProcessDefinition, inst.definition_id)
        if definition is None:
            return None
        defs = eng.advancer.definitions
        bpmn_path, process_id = definition.bpmn_path, inst.process_id
        main_xml = defs.file_text(uow.session, definition, definition.bpmn_path) or ""
        others = {
            p: defs.file_text(uow.session, definition, p) or ""
            for p in json.loads(definition.files)
            if p.endswith(".bpmn") and p != definition.bpmn_path
        }
        history = eng.history.read(uow.session, instance_id)
        open_elements = set(
            uow.session.scalars(
                select(HumanTask.element_id).where(HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.OPEN)
            )
        )
        open_elements |= set(
            e
            for e in uow.session.scalars(
                select(Job.element_id).where(
                    Job.instance_id == instance_id, Job.status == JobStatus.PENDING, Job.kind == JobKind.SERVICE
                )
            )
            if e
        )
    if not main_xml:
        return None
    processes, calls = _elements(main_xml, bpmn_path)
    for path, xml in others.items():
        if xml:
            more, more_calls = _elements(xml, path)
            processes.update({k: v for k, v in more.items() if k not in processes})
            calls.update({k: v for k, v in more_calls.items() if k not in calls})
    own = processes.get(process_id, set())
    done_all = [h.element_id for h in history if h.event == "step_completed" and h.element_id]
    done = [e for e in dict.fromkeys(done_all) if e in own]
    current: list[str] = [e for e in open_elements if e in own]

    def callee_elements(process_id: str, seen: frozenset[str] = frozenset()) -> set[str]:
        ids = set(processes.get(process_id, set()))
        for call_id, called in calls.items():
            if call_id in ids and called not in seen:
                ids |= callee_elements(called, seen | {process_id})
        return ids

    for call_id, called in calls.items():
        if call_id in own and call_id not in done and (open_elements & callee_elements(called)):
            current.append(call_id)
    return DiagramState(main_xml, process_id, done, sorted(set(current)))

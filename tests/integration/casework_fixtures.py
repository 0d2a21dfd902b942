"""Fixtures of the casework integration tests: an engine with the casework functions,
and small BPMN processes built in code."""

from __future__ import annotations

from collections.abc import Iterator
from xml.sax.saxutils import escape

import pytest

from casework.expressions import FUNCTIONS
from engine.core import Engine
from tests.support.engines import make_engine

RESIDENT_ID = "11010519491231002X"  # DOMAIN.md's valid example (a woman born 1949-12-31)
OTHER_RESIDENT_ID = "410302198001011230"  # a man born 1980-01-01
CREDIT_CODE = "91110108551385082Q"  # DOMAIN.md's valid example


@pytest.fixture
def engine(engine_env: dict[str, str]) -> Iterator[Engine]:
    """The engine with the casework functions (conftest migrates every branch, casework's included)."""
    eng = make_engine(engine_env, functions=FUNCTIONS)
    yield eng
    eng.dispose()


def process_xml(process_id: str, steps: list[tuple[str, str, str | None, str]]) -> bytes:
    """A BPMN file: start, then ``steps`` in a row, then end; each step is (kind, id, milestone,
    script) with kind ``user`` or ``script``. Shapes are laid out left to right."""
    nodes, flows, shapes = [], [], []
    ids = ["start"] + [s[1] for s in steps] + ["end"]
    for i, (kind, sid, milestone, script) in enumerate(steps):
        props = (
            "<bpmn:extensionElements><spiffworkflow:properties>"
            f'<spiffworkflow:property name="milestone" value="{escape(milestone)}" />'
            "</spiffworkflow:properties></bpmn:extensionElements>"
            if milestone else ""
        )
        io = f"<bpmn:incoming>f{i}</bpmn:incoming><bpmn:outgoing>f{i + 1}</bpmn:outgoing>"
        if kind == "user":
            nodes.append(f'<bpmn:userTask id="{sid}" name="{sid}">{props}{io}</bpmn:userTask>')
        else:
            nodes.append(
                f'<bpmn:scriptTask id="{sid}" name="{sid}">{props}{io}<bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>'
            )
    for i in range(len(ids) - 1):
        flows.append(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{ids[i]}" targetRef="{ids[i + 1]}" />')
    for i, nid in enumerate(ids):
        shapes.append(
            f'<bpmndi:BPMNShape id="{nid}_di" bpmnElement="{nid}"><dc:Bounds x="{100 + 150 * i}" y="100" width="100" height="80" /></bpmndi:BPMNShape>'
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs_{process_id}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{process_id}" name="{process_id}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    {''.join(nodes)}
    <bpmn:endEvent id="end"><bpmn:incoming>f{len(steps)}</bpmn:incoming></bpmn:endEvent>
    {''.join(flows)}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="{process_id}">{''.join(shapes)}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>""".encode()

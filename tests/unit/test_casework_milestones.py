"""Milestone order read from a BPMN diagram, and progress states."""

from __future__ import annotations

from casework.milestones import JOINER_MILESTONES, Milestone, milestone_order, progress_states

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d">"""


def node(tag, nid, milestone=None, extra=""):
    props = (f'<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="milestone" '
             f'value="{milestone}" /></spiffworkflow:properties></bpmn:extensionElements>') if milestone else ""
    return f'<bpmn:{tag} id="{nid}" {extra}>{props}</bpmn:{tag}>'


def shape(nid, x):
    return f'<bpmndi:BPMNShape bpmnElement="{nid}"><dc:Bounds x="{x}" y="0" width="10" height="10" /></bpmndi:BPMNShape>'


def flow(a, b):
    return f'<bpmn:sequenceFlow id="{a}_{b}" sourceRef="{a}" targetRef="{b}" />'


def test_milestones_follow_the_diagram_left_to_right_not_the_document_order():
    xml = (HEAD + '<bpmn:process id="p">'
           + node("endEvent", "end", "完成") + node("userTask", "b", "审核通过") + node("startEvent", "s")
           + node("userTask", "a", "材料齐全") + flow("s", "a") + flow("a", "b") + flow("b", "end")
           + '</bpmn:process><bpmndi:BPMNDiagram><bpmndi:BPMNPlane bpmnElement="p">'
           + shape("s", 0) + shape("a", 100) + shape("b", 200) + shape("end", 300)
           + "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>")
    assert [m.name for m in milestone_order(xml.encode(), "p")] == ["材料齐全", "审核通过", "完成"]


def test_without_a_diagram_the_distance_from_the_start_orders_them_and_a_repeated_name_is_listed_once():
    xml = (HEAD + '<bpmn:process id="p">'
           + node("userTask", "late", "办结") + node("userTask", "b2", "已受理") + node("userTask", "b1", "已受理")
           + node("startEvent", "s") + node("exclusiveGateway", "g")
           + flow("s", "g") + flow("g", "b1") + flow("g", "b2") + flow("b1", "late") + flow("b2", "late")
           + node("boundaryEvent", "timer", "已超时", 'attachedToRef="late"')
           + "</bpmn:process></bpmn:definitions>")
    order = milestone_order(xml.encode(), "p")
    assert [m.name for m in order] == ["已受理", "办结", "已超时"]
    assert set(order[0].elements) == {"b1", "b2"}


def test_the_joiner_uses_the_contract_order_and_other_processes_of_the_file_are_ignored():
    xml = (HEAD + '<bpmn:process id="cross_province_joiner">'
           + node("userTask", "card", "社保卡就绪") + node("userTask", "collect", "材料收集完成")
           + '</bpmn:process><bpmn:process id="other">' + node("userTask", "x", "别的")
           + "</bpmn:process></bpmn:definitions>")
    order = milestone_order(xml.encode(), "cross_province_joiner")
    assert [m.name for m in order] == list(JOINER_MILESTONES)
    assert order[0].elements == ("collect",) and order[1].elements == ()


def test_states_mark_done_skipped_current_and_pending():
    ms = [Milestone(n) for n in "ABCD"]

    def states(reached, status):
        return [p.state for p in progress_states(ms, reached, status)]

    assert states([], "running") == ["current", "pending", "pending", "pending"]
    assert states(["A", "C"], "running") == ["done", "skipped", "done", "current"]
    assert states(["A"], "completed") == ["done", "skipped", "skipped", "skipped"]
    assert states(["A"], "terminated") == ["done", "pending", "pending", "pending"]

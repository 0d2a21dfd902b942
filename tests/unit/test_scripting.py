"""SpiffWorkflow runs every expression, script and decision cell through the restricted evaluator."""

from __future__ import annotations

from datetime import UTC, date, datetime
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.errors import EvaluationError, EvaluationLimitExceeded, EvaluationRefused
from engine.evaluation import Evaluator, Limits
from engine.scripting import (
    RestrictedScriptEngine,
    ServiceCallNotDeferred,
    check_spec,
    evaluation_error,
)
from engine.workdays import WorkdayCalendar, evaluator_functions

HEAD = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'id="defs" targetNamespace="http://example.org/bpmn">'
)


class FixedClock:
    """A clock standing still at one instant (the engine's Clock protocol)."""

    def now(self) -> datetime:
        return datetime(2024, 9, 30, 1, 0, tzinfo=UTC)


def make_engine(**limits: int) -> RestrictedScriptEngine:
    functions = evaluator_functions(WorkdayCalendar(), FixedClock())
    return RestrictedScriptEngine(Evaluator(functions, limits=Limits(**limits)))


def flow(source: str, target: str, condition: str | None = None, flow_id: str | None = None) -> str:
    flow_id = flow_id or f"{source}_to_{target}"
    body = f"<bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression>" if condition else ""
    return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">{body}</bpmn:sequenceFlow>'


def script_task(task_id: str, script: str) -> str:
    return f'<bpmn:scriptTask id="{task_id}"><bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>'


def process(body: str, process_id: str = "case") -> bytes:
    return f'{HEAD}<bpmn:process id="{process_id}" isExecutable="true">{body}</bpmn:process></bpmn:definitions>'.encode()


def dmn(rules: list[tuple[str, str]], output_name: str = "level") -> bytes:
    rows = "".join(
        f'<rule id="r{i}"><inputEntry id="r{i}_in"><text>{escape(entry)}</text></inputEntry>'
        f'<outputEntry id="r{i}_out"><text>{escape(output)}</text></outputEntry></rule>'
        for i, (entry, output) in enumerate(rules)
    )
    return (
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="grading" name="Grading" '
        'namespace="http://example.org/dmn"><decision id="grade" name="Grade">'
        '<decisionTable id="grade_table" hitPolicy="FIRST">'
        '<input id="in_total" label="Total"><inputExpression id="in_total_expr" typeRef="number">'
        "<text>total</text></inputExpression></input>"
        f'<output id="out_level" label="Level" name="{output_name}" typeRef="string"/>'
        f"{rows}</decisionTable></decision></definitions>"
    ).encode()


GRADES = [("> 1000", "'high'"), ("0 <= ? <= 1000", "'low'"), ("-", "'invalid'")]

CASE = process(
    '<bpmn:startEvent id="start"/>'
    + script_task(
        "sum_up",
        "total = sum(amounts)\nlate = received < date(2024, 10, 1)\ndeadline = add_workdays(received, 15)",
    )
    + '<bpmn:businessRuleTask id="grade_it"><bpmn:extensionElements>'
    "<spiffworkflow:calledDecisionId>grade</spiffworkflow:calledDecisionId>"
    "<spiffworkflow:postScript>graded_on = today()</spiffworkflow:postScript>"
    "</bpmn:extensionElements></bpmn:businessRuleTask>"
    '<bpmn:userTask id="confirm"/>'
    '<bpmn:exclusiveGateway id="route" default="route_to_auto"/>'
    + script_task("review", "path = 'review'")
    + script_task("auto", "path = 'auto'")
    + '<bpmn:endEvent id="end"/>'
    + flow("start", "sum_up")
    + flow("sum_up", "grade_it")
    + flow("grade_it", "confirm")
    + flow("confirm", "route")
    + flow("route", "review", "level == 'high' and late and confirmed")
    + flow("route", "auto", flow_id="route_to_auto")
    + flow("review", "end")
    + flow("auto", "end")
)


def parse(bpmn: bytes, decision: bytes | None = None, process_id: str = "case"):
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(bpmn)
    if decision is not None:
        parser.add_dmn_str(decision)
    return parser.get_spec(process_id)


def start(spec, engine: RestrictedScriptEngine, **data) -> BpmnWorkflow:
    workflow = BpmnWorkflow(spec, script_engine=engine)
    workflow.get_tasks(state=TaskState.READY)[0].data.update(data)
    return workflow


def save_and_restore(workflow: BpmnWorkflow, engine: RestrictedScriptEngine) -> BpmnWorkflow:
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]))
    serializer = BpmnWorkflowSerializer(registry)
    restored = serializer.deserialize_json(serializer.serialize_json(workflow))
    restored.script_engine = engine  # the script engine is never serialized
    return restored


def complete_user_task(workflow: BpmnWorkflow, **data) -> None:
    [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
    task.set_data(**data)
    task.run()
    workflow.do_engine_steps()


@pytest.mark.parametrize(
    ("amounts", "confirmed", "level", "path"),
    [
        ([600, 700], True, "high", "review"),
        ([600, 700], False, "high", "auto"),
        ([100, 200], True, "low", "auto"),
    ],
)
def test_a_process_runs_its_script_decision_and_gateway_through_the_evaluator(
    amounts, confirmed, level, path
):
    engine = make_engine()
    workflow = start(parse(CASE, dmn(GRADES)), engine, amounts=amounts, received=date(2024, 9, 20))
    workflow.do_engine_steps()
    waiting_data = dict(workflow.get_tasks(state=TaskState.READY, manual=True)[0].data)

    workflow = save_and_restore(workflow, engine)
    assert workflow.get_tasks(state=TaskState.READY, manual=True)[0].data == waiting_data

    complete_user_task(workflow, confirmed=confirmed)
    assert workflow.is_completed()
    assert workflow.data["total"] == sum(amounts)
    assert workflow.data["late"] is True
    assert workflow.data["deadline"] == "2024-10-16T23:59:59+08:00"
    assert workflow.data["level"] == level
    assert workflow.data["graded_on"] == date(2024, 9, 30)
    assert workflow.data["path"] == path


def test_decision_cells_are_evaluated_by_the_restricted_evaluator():
    rules = [("> 1000", "add_workdays(received, 1)"), ("-", "'none'")]
    workflow = start(parse(CASE, dmn(rules)), make_engine(), amounts=[2000], received=date(2024, 9, 30))
    workflow.do_engine_steps()
    assert (
        workflow.get_tasks(state=TaskState.READY, manual=True)[0].data["level"] == "2024-10-08T23:59:59+08:00"
    )


HOSTILE_SCRIPTS = [
    ("x = ().__class__.__base__.__subclasses__()", EvaluationRefused, "EVALUATION_REFUSED_DUNDER"),
    ("import os", EvaluationRefused, "EVALUATION_REFUSED_CONSTRUCT"),
    ("x = '{0.__class__}'.format(amounts)", EvaluationRefused, "EVALUATION_REFUSED_FORMAT"),
    ("while True:\n    pass", EvaluationLimitExceeded, "EVALUATION_STEP_LIMIT"),
    ("x = 9 ** 9 ** 9", EvaluationLimitExceeded, "EVALUATION_INT_LIMIT"),
    ("x = 1\ny = x / 0", EvaluationError, "EVALUATION_ERROR"),
]


@pytest.mark.parametrize(("script", "error_class", "code"), HOSTILE_SCRIPTS)
def test_a_hostile_script_task_fails_with_the_evaluator_error_as_cause(script, error_class, code):
    bpmn = process(
        '<bpmn:startEvent id="start"/>'
        + script_task("hostile", script)
        + '<bpmn:endEvent id="end"/>'
        + flow("start", "hostile")
        + flow("hostile", "end")
    )
    workflow = start(parse(bpmn), make_engine(max_steps=10_000), amounts=[1])
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    cause = caught.value.__cause__
    assert isinstance(cause, error_class)
    assert cause.code == code
    assert evaluation_error(caught.value) is cause
    assert caught.value.line_number == cause.params["line"]
    [failed] = workflow.get_tasks(state=TaskState.ERROR)
    assert failed.task_spec.bpmn_id == "hostile"
    assert "x" not in failed.data


@pytest.mark.parametrize(
    ("condition", "error_class"),
    [("'{0.__class__}'.format(amounts)", EvaluationRefused), ("[0] * 10**9", EvaluationLimitExceeded)],
)
def test_a_hostile_gateway_condition_fails_with_the_evaluator_error_as_cause(condition, error_class):
    bpmn = process(
        '<bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="route" default="to_b"/>'
        '<bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>'
        + flow("start", "route")
        + flow("route", "a", condition)
        + flow("route", "b", flow_id="to_b")
    )
    workflow = start(parse(bpmn), make_engine(), amounts=[1])
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    assert isinstance(evaluation_error(caught.value), error_class)


def test_a_hostile_decision_cell_fails_with_the_evaluator_error_as_cause():
    workflow = start(
        parse(CASE, dmn([("-", "().__class__")])), make_engine(), amounts=[1], received=date(2024, 9, 1)
    )
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    assert isinstance(evaluation_error(caught.value), EvaluationRefused)


def test_a_timer_date_expression_can_use_working_days():
    bpmn = process(
        '<bpmn:startEvent id="start"/>'
        '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
        "<bpmn:timeDate>add_workdays(received, 1)</bpmn:timeDate>"
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        '<bpmn:endEvent id="end"/>' + flow("start", "wait") + flow("wait", "end")
    )
    # The library's own timers fire by real time, so the date is far ahead (2099-01-02 is a Friday;
    # 2099 is beyond the statutory calendar, so Monday-Friday applies).
    workflow = start(parse(bpmn), make_engine(), received=date(2099, 1, 2))
    workflow.do_engine_steps()
    [event] = workflow.waiting_events()
    assert event.value == "2099-01-05T23:59:59+08:00"


def test_a_message_payload_is_evaluated_by_the_restricted_evaluator():
    bpmn = (
        f"{HEAD}"
        '<bpmn:message id="notice" name="notice"/>'
        '<bpmn:process id="case" isExecutable="true"><bpmn:startEvent id="start"/>'
        '<bpmn:intermediateThrowEvent id="send"><bpmn:messageEventDefinition messageRef="notice">'
        "<bpmn:extensionElements><spiffworkflow:messagePayload>"
        "{'due': workdays(1), 'total': sum(amounts)}"
        "</spiffworkflow:messagePayload></bpmn:extensionElements>"
        '</bpmn:messageEventDefinition></bpmn:intermediateThrowEvent><bpmn:endEvent id="end"/>'
        + flow("start", "send")
        + flow("send", "end")
        + "</bpmn:process></bpmn:definitions>"
    ).encode()
    workflow = start(parse(bpmn), make_engine(), amounts=[1, 2])
    workflow.do_engine_steps()
    [event] = workflow.get_events()
    assert event.payload == {"due": "2024-10-08T23:59:59+08:00", "total": 3}


def service_process(parameter: str) -> bytes:
    return process(
        '<bpmn:startEvent id="start"/>'
        '<bpmn:serviceTask id="ask_bureau"><bpmn:extensionElements>'
        '<spiffworkflow:serviceTaskOperator id="bureau.query" resultVariable="answer"><spiffworkflow:parameters>'
        f'<spiffworkflow:parameter id="person" type="str" value="{escape(parameter)}"/>'
        "</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>"
        "</bpmn:extensionElements></bpmn:serviceTask>"
        '<bpmn:endEvent id="end"/>' + flow("start", "ask_bureau") + flow("ask_bureau", "end")
    )


def test_the_script_engine_never_calls_a_service_itself():
    workflow = start(parse(service_process("person_id")), make_engine(), person_id="p-1")
    with pytest.raises(ServiceCallNotDeferred) as caught:
        workflow.do_engine_steps()
    assert caught.value.params == {"task": "ask_bureau", "operation": "bureau.query"}


def test_service_parameters_are_evaluated_by_the_restricted_evaluator():
    workflow = start(parse(service_process("person.__class__")), make_engine(), person="p")
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    assert isinstance(evaluation_error(caught.value), EvaluationRefused)


def test_check_spec_finds_every_refused_source_before_anything_runs():
    bpmn = process(
        '<bpmn:startEvent id="start"/>'
        + script_task("bad_script", "import os")
        + '<bpmn:businessRuleTask id="grade_it"><bpmn:extensionElements>'
        "<spiffworkflow:calledDecisionId>grade</spiffworkflow:calledDecisionId>"
        "<spiffworkflow:preScript>x = eval('1')</spiffworkflow:preScript>"
        "</bpmn:extensionElements></bpmn:businessRuleTask>"
        '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>'P1D'.format()</bpmn:timeDuration>"
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        '<bpmn:exclusiveGateway id="route" default="to_end"/><bpmn:endEvent id="end"/><bpmn:endEvent id="other"/>'
        + flow("start", "bad_script")
        + flow("bad_script", "grade_it")
        + flow("grade_it", "wait")
        + flow("wait", "route")
        + flow("route", "other", "amounts.__len__() > 0")
        + flow("route", "end", flow_id="to_end")
    )
    engine = make_engine()
    problems = check_spec(engine.evaluator, parse(bpmn, dmn([("> ().__class__", "'x'"), ("-", "'y'")])))
    found = {(p.source.element, p.source.kind, p.error.code) for p in problems}
    assert found == {
        ("bad_script", "script", "EVALUATION_REFUSED_CONSTRUCT"),
        ("grade_it", "prescript", "EVALUATION_REFUSED_NAME"),
        ("grade_it", "decision rule 1 input", "EVALUATION_REFUSED_DUNDER"),
        ("wait", "DurationTimerEventDefinition", "EVALUATION_REFUSED_FORMAT"),
        ("route", "condition", "EVALUATION_REFUSED_DUNDER"),
    }
    assert check_spec(engine.evaluator, parse(CASE, dmn(GRADES))) == []


def test_validate_tells_syntax_errors_from_refusals():
    engine = make_engine()
    engine.validate("total > 5")
    with pytest.raises(SyntaxError):
        engine.validate("> 5")
    with pytest.raises(EvaluationRefused):
        engine.validate("x.__class__")

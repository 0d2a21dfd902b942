"""Deployable bundles: what a good bundle yields, how versions are identified, and how each mistake is named."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.util.task import TaskState

from engine.bundle import MESSAGES, Bundle, load_specs, parse_bundle, parse_decision
from engine.errors import InvalidDefinition
from engine.evaluation import Evaluator
from engine.operators import OperatorRegistry
from engine.spiff import ClockDurationTimerEventDefinition, RunContext, attach_context

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "bundle"


def read_dir(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


GOOD = read_dir(FIXTURES / "good")


def broken(name: str) -> dict[str, bytes]:
    return read_dir(FIXTURES / "broken" / name)


def line_of(files: dict[str, bytes], path: str, needle: str) -> int:
    """The 1-based line of the first occurrence of ``needle`` in a fixture file."""
    for number, text in enumerate(files[path].decode("utf-8").splitlines(), start=1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def operators() -> OperatorRegistry:
    registry = OperatorRegistry()
    for name in ("bureau.submit_transfer", "bureau.ping"):
        registry.register(name, lambda params, call: {})
    return registry


def parse(files: dict[str, bytes], **kwargs: Any) -> Bundle:
    return parse_bundle(files, operators=operators(), evaluator=Evaluator(), **kwargs)


def refusal(files: dict[str, bytes], **kwargs: Any) -> InvalidDefinition:
    with pytest.raises(InvalidDefinition) as caught:
        parse(files, **kwargs)
    return caught.value


def only_error(files: dict[str, bytes], **kwargs: Any) -> dict[str, Any]:
    error = refusal(files, **kwargs)
    assert len(error.params["errors"]) == 1, error.params["errors"]
    (only,) = error.params["errors"]
    assert (error.code, error.file, error.line, error.element) == (
        only["code"], only["file"], only["line"], only["element"]
    )
    return only


def where(problem: dict[str, Any]) -> tuple[str, str | None, int | None, str | None]:
    return problem["code"], problem["file"], problem["line"], problem["element"]


# -- a good bundle ---------------------------------------------------------------------------------


def test_a_good_bundle_lists_every_executable_process_with_what_its_inbox_needs() -> None:
    bundle = parse(GOOD)
    assert sorted(bundle.processes) == ["collect_documents", "transfer"]
    transfer = bundle.processes["transfer"]
    assert (transfer.name, transfer.bpmn_path) == ("Cross-region transfer", "transfer/transfer.bpmn")
    assert transfer.lanes == ["Employee", "HR"]
    (task,) = transfer.user_tasks
    assert (task.id, task.lane) == ("fill_application", "Employee")
    assert task.form_schema == "transfer/application-schema.json"
    assert task.form_ui_schema == "transfer/application-uischema.json"
    (service,) = transfer.service_tasks
    assert (service.id, service.operator, service.lane) == ("submit_transfer", "bureau.submit_transfer", "HR")
    assert [(m.element, m.name) for m in transfer.milestones] == [
        ("fill_application", "Application"), ("submit_transfer", "Submitted")
    ]
    assert transfer.called_processes == ["collect_documents"]
    assert transfer.decisions == {"choose_route": "transfer_route"}
    assert bundle.warnings == []


def test_a_good_bundle_lists_its_decisions_and_parsed_forms() -> None:
    bundle = parse(GOOD)
    decision = bundle.decisions["transfer_route"]
    assert (decision.name, decision.path) == ("Transfer route", "policies/transfer-route.dmn")
    assert sorted(bundle.forms) == [
        "transfer/application-schema.json", "transfer/application-uischema.json", "transfer/review-schema.json"
    ]
    assert bundle.forms["transfer/review-schema.json"]["required"] == ["approved"]


def test_a_process_version_holds_its_called_processes_and_their_forms_but_no_decisions() -> None:
    bundle = parse(GOOD)
    assert bundle.processes["transfer"].files == [
        "transfer/application-schema.json",
        "transfer/application-uischema.json",
        "transfer/collect-documents.bpmn",
        "transfer/review-schema.json",
        "transfer/transfer.bpmn",
    ]
    assert bundle.processes["collect_documents"].files == [
        "transfer/collect-documents.bpmn", "transfer/review-schema.json"
    ]


def test_the_details_of_a_process_are_plain_data_for_storage() -> None:
    details = parse(GOOD).processes["transfer"].details
    assert details["user_tasks"][0]["form_schema"] == "transfer/application-schema.json"
    assert "content_hash" not in details


def test_a_user_task_inside_an_embedded_subprocess_has_the_lane_the_engine_gives_it() -> None:
    files = read_dir(FIXTURES / "subprocess")
    (task,) = parse(files).processes["intake"].user_tasks
    assert (task.id, task.lane, task.form_schema) == ("upload_id_card", "Employee", "forms/id-card-schema.json")
    _, subprocess_specs = load_specs({"intake.bpmn": files["intake.bpmn"]}, {}, "intake")
    assert subprocess_specs["gather"].task_specs["upload_id_card"].lane == task.lane


def test_a_bundle_of_decisions_alone_deploys_without_processes() -> None:
    bundle = parse({"policies/transfer-route.dmn": GOOD["policies/transfer-route.dmn"]})
    assert (list(bundle.processes), list(bundle.decisions)) == ([], ["transfer_route"])


# -- versions ---------------------------------------------------------------------------------------


def hashes(bundle: Bundle) -> dict[str, str]:
    return {
        **{pid: p.content_hash for pid, p in bundle.processes.items()},
        **{did: d.content_hash for did, d in bundle.decisions.items()},
    }


def test_an_unchanged_redeploy_gives_the_same_hashes_whatever_the_order_of_the_files() -> None:
    first = hashes(parse(GOOD))
    again = hashes(parse(dict(reversed(list(GOOD.items())))))
    assert again == first
    assert len(set(first.values())) == 3


def test_changing_a_form_changes_only_the_version_of_the_process_that_uses_it() -> None:
    before = hashes(parse(GOOD))
    changed = dict(GOOD)
    changed["transfer/application-schema.json"] = GOOD["transfer/application-schema.json"].replace(
        b'"maxLength": 200', b'"maxLength": 300'
    )
    after = hashes(parse(changed))
    assert after["transfer"] != before["transfer"]
    assert after["collect_documents"] == before["collect_documents"]
    assert after["transfer_route"] == before["transfer_route"]


def test_changing_a_called_process_form_changes_the_caller_version_too() -> None:
    before = hashes(parse(GOOD))
    changed = dict(GOOD)
    changed["transfer/review-schema.json"] = GOOD["transfer/review-schema.json"].replace(
        b"Documents are complete", b"All documents are complete"
    )
    after = hashes(parse(changed))
    assert after["collect_documents"] != before["collect_documents"]
    assert after["transfer"] != before["transfer"]


def test_changing_a_decision_changes_no_process_version() -> None:
    before = hashes(parse(GOOD))
    changed = dict(GOOD)
    changed["policies/transfer-route.dmn"] = GOOD["policies/transfer-route.dmn"].replace(
        b"Both regions in one province", b"Both regions lie in one province"
    )
    after = hashes(parse(changed))
    assert after["transfer_route"] != before["transfer_route"]
    assert (after["transfer"], after["collect_documents"]) == (before["transfer"], before["collect_documents"])


# -- what the runtime builds ---------------------------------------------------------------------------


def bpmn_and_dmn(files: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    return (
        {p: d for p, d in files.items() if p.endswith(".bpmn")},
        {p: d for p, d in files.items() if p.endswith(".dmn")},
    )


def test_loaded_specs_run_to_the_service_call_with_the_call_activity_inside_and_timers_on_the_engine_clock() -> None:
    spec, subprocess_specs = load_specs(*bpmn_and_dmn(GOOD), "transfer")
    assert list(subprocess_specs) == ["collect_documents"]
    timer = spec.task_specs["wait_for_bureau"].event_definition
    assert isinstance(timer, ClockDurationTimerEventDefinition)

    workflow = BpmnWorkflow(spec, subprocess_specs)
    context = attach_context(workflow, RunContext())
    workflow.get_tasks(state=TaskState.READY)[0].data.update(from_region="110105", person_ref="p-1")
    workflow.do_engine_steps()
    for answer in ({"to_region": "310101"}, {"approved": True}):
        (task,) = workflow.get_tasks(state=TaskState.READY, manual=True)
        task.set_data(**answer)
        task.run()
        workflow.do_engine_steps()
    (call,) = context.pending_calls
    assert (call.operator, call.params) == ("bureau.submit_transfer", {"person_ref": "p-1", "kind": "cross_province"})
    assert [(d.element_id, d.decision_id) for d in context.decisions] == [("choose_route", "transfer_route")]


def test_loading_a_process_that_is_not_in_the_files_is_refused() -> None:
    with pytest.raises(InvalidDefinition) as caught:
        load_specs(*bpmn_and_dmn(GOOD), "no_such_process")
    assert caught.value.code == "DEFINITION_INVALID"


def test_loading_refuses_unsafe_xml_too() -> None:
    with pytest.raises(InvalidDefinition) as caught:
        load_specs({"x.bpmn": b"<!DOCTYPE x>\n<x/>"}, {}, "x")
    assert (caught.value.code, caught.value.file) == ("XML_DTD_FORBIDDEN", "x.bpmn")


def test_a_deployed_decision_parses_to_an_engine_by_decision_id() -> None:
    engines = parse_decision(GOOD["policies/transfer-route.dmn"], "policies/transfer-route.dmn")
    assert list(engines) == ["transfer_route"]
    assert isinstance(engines["transfer_route"], DMNEngine)
    assert len(engines["transfer_route"].decision_table.rules) == 2


def test_a_decision_file_without_a_table_is_refused_at_lookup() -> None:
    dmn = re.sub(rb"<decisionTable.*</decisionTable>", b"", GOOD["policies/transfer-route.dmn"], flags=re.S)
    with pytest.raises(InvalidDefinition) as caught:
        parse_decision(dmn, "policies/transfer-route.dmn")
    assert caught.value.file == "policies/transfer-route.dmn"


# -- refusals, one per code ---------------------------------------------------------------------------


def test_malformed_xml_is_refused_with_its_file_and_line() -> None:
    files = broken("malformed")
    error = only_error(files)
    assert where(error) == ("XML_MALFORMED", "broken.bpmn", line_of(files, "broken.bpmn", "</bpmn:tsak>"), None)


def test_unsafe_xml_in_a_bundle_is_refused_through_the_safe_parser() -> None:
    files = {**GOOD, "transfer/transfer.bpmn": b'<?xml version="1.0"?>\n<!DOCTYPE d SYSTEM "file:///etc/passwd">\n<d/>'}
    error = only_error(files)
    assert where(error) == ("XML_DTD_FORBIDDEN", "transfer/transfer.bpmn", 2, None)


def test_a_bpmn_file_without_an_executable_process_is_refused() -> None:
    files = broken("no-executable")
    error = only_error(files)
    assert where(error) == ("NO_EXECUTABLE_PROCESS", "draft.bpmn", 2, "Definitions_draft")


def test_a_service_task_with_an_unregistered_operator_is_refused() -> None:
    files = broken("unknown-operator")
    error = only_error(files)
    line = line_of(files, "notify.bpmn", '<bpmn:serviceTask id="step"')
    assert where(error) == ("UNKNOWN_OPERATOR", "notify.bpmn", line, "step")
    assert error["params"]["operator"] == "bank.notify_everyone"


def test_a_user_task_whose_form_file_is_not_next_to_the_bpmn_is_refused() -> None:
    files = broken("missing-form")
    error = only_error(files)
    assert where(error) == ("MISSING_FORM_FILE", "apply.bpmn", line_of(files, "apply.bpmn", '<bpmn:userTask id="step"'), "step")
    assert error["params"]["form_file"] == "apply-schema.json"


def test_a_form_file_in_another_folder_does_not_count_as_next_to_the_bpmn() -> None:
    files = {"forms/apply-schema.json": b'{"type": "object"}', **{f"flows/{k}": v for k, v in broken("missing-form").items()}}
    error = only_error(files)
    assert (error["code"], error["params"]["form_file"]) == ("MISSING_FORM_FILE", "flows/apply-schema.json")


def test_a_form_file_that_is_not_json_is_refused_at_its_line_naming_the_user_task() -> None:
    files = broken("invalid-form")
    error = only_error(files)
    assert where(error) == ("INVALID_FORM_FILE", "apply-schema.json", 3, "step")
    assert error["params"]["used_by"] == "apply.bpmn"


def test_a_form_file_that_is_not_a_json_schema_is_refused() -> None:
    files = {**broken("invalid-form"), "apply-schema.json": b'{"type": "record"}'}
    error = only_error(files)
    assert (error["code"], error["file"]) == ("INVALID_FORM_SCHEMA", "apply-schema.json")


def test_a_call_activity_into_an_unknown_process_is_refused() -> None:
    files = broken("missing-called-process")
    error = only_error(files)
    line = line_of(files, "parent.bpmn", '<bpmn:callActivity id="step"')
    assert where(error) == ("MISSING_CALLED_PROCESS", "parent.bpmn", line, "step")
    assert error["params"]["called_element"] == "collect_documents"


def test_a_call_activity_into_a_deployed_process_is_accepted_and_its_files_join_the_version() -> None:
    deployed = {p: GOOD[p] for p in ("transfer/collect-documents.bpmn",)}
    forms = {p: GOOD[p] for p in ("transfer/review-schema.json",)}
    bundle = parse(broken("missing-called-process"), available_processes=deployed, available_forms=forms)
    assert list(bundle.processes) == ["parent"]
    assert bundle.processes["parent"].files == [
        "parent.bpmn", "transfer/collect-documents.bpmn", "transfer/review-schema.json"
    ]


def test_a_deployed_called_process_whose_forms_are_not_available_is_refused() -> None:
    deployed = {p: GOOD[p] for p in ("transfer/collect-documents.bpmn",)}
    error = only_error(broken("missing-called-process"), available_processes=deployed)
    line = line_of(GOOD, "transfer/collect-documents.bpmn", '<bpmn:userTask id="review_documents"')
    assert where(error) == ("MISSING_FORM_FILE", "transfer/collect-documents.bpmn", line, "review_documents")


def test_a_business_rule_task_with_an_unknown_decision_is_refused() -> None:
    files = broken("missing-decision")
    error = only_error(files)
    line = line_of(files, "classify.bpmn", '<bpmn:businessRuleTask id="step"')
    assert where(error) == ("MISSING_DECISION", "classify.bpmn", line, "step")
    assert error["params"]["decision_id"] == "transfer_route"


def test_a_business_rule_task_may_use_a_deployed_decision() -> None:
    deployed = {"policies/transfer-route.dmn": GOOD["policies/transfer-route.dmn"]}
    bundle = parse(broken("missing-decision"), available_decisions=deployed)
    assert bundle.processes["classify"].decisions == {"step": "transfer_route"}
    assert bundle.decisions == {}


def test_every_refused_expression_and_script_is_named_by_element_and_line() -> None:
    files = broken("expression-refused")
    error = refusal(files)
    found = sorted(where(p) for p in error.params["errors"])
    bpmn, dmn = "escape.bpmn", "escape.dmn"
    assert {p["code"] for p in error.params["errors"]} == {"EXPRESSION_REFUSED"}
    assert found == sorted([
        ("EXPRESSION_REFUSED", bpmn, line_of(files, bpmn, "classes = ().__class__"), "compute"),
        ("EXPRESSION_REFUSED", bpmn, line_of(files, bpmn, "<bpmn:conditionExpression"), "Flow_escape"),
        ("EXPRESSION_REFUSED", bpmn, line_of(files, bpmn, '<spiffworkflow:parameter id="target"'), "call_bureau"),
        ("EXPRESSION_REFUSED", bpmn, line_of(files, bpmn, "<spiffworkflow:preScript>"), "call_bureau"),
        ("EXPRESSION_REFUSED", bpmn, line_of(files, bpmn, "<spiffworkflow:postScript>"), "call_bureau"),
        ("EXPRESSION_REFUSED", bpmn, line_of(files, bpmn, "<bpmn:timeDuration"), "wait"),
        ("EXPRESSION_REFUSED", dmn, line_of(files, dmn, "&lt; amount.__class__"), "InputEntry_small"),
        ("EXPRESSION_REFUSED", dmn, line_of(files, dmn, '__import__("subprocess")'), "OutputEntry_other"),
    ])


def test_an_expression_with_a_syntax_error_is_named_invalid() -> None:
    files = dict(GOOD)
    files["transfer/transfer.bpmn"] = GOOD["transfer/transfer.bpmn"].replace(
        b'route == "cross_province"', b'route == = "cross_province"'
    )
    error = only_error(files)
    line = line_of(files, "transfer/transfer.bpmn", "<bpmn:conditionExpression")
    assert where(error) == ("EXPRESSION_INVALID", "transfer/transfer.bpmn", line, "Flow_cross_province")


def test_a_schema_violation_is_refused_with_the_line_and_the_element_it_belongs_to() -> None:
    files = broken("schema-invalid")
    error = only_error(files)
    line = line_of(files, "operator.bpmn", "<spiffworkflow:serviceTaskOperator")
    assert where(error) == ("SCHEMA_INVALID", "operator.bpmn", line, "step")
    assert "spiffworkflow:parameters" in error["message"]


def test_what_the_engine_library_refuses_is_mapped_to_file_line_and_element() -> None:
    files = broken("library-refused")
    error = only_error(files)
    line = line_of(files, "no-start.bpmn", '<bpmn:process id="no_start"')
    assert where(error) == ("DEFINITION_INVALID", "no-start.bpmn", line, "no_start")
    assert "start event" in error["message"]


def test_every_problem_of_a_bundle_is_reported_at_once_in_file_order() -> None:
    files = {
        **{f"a/{k}": v for k, v in broken("unknown-operator").items()},
        **{f"b/{k}": v for k, v in broken("missing-form").items()},
        **{f"c/{k}": v for k, v in broken("malformed").items()},
    }
    error = refusal(files)
    assert [p["code"] for p in error.params["errors"]] == ["UNKNOWN_OPERATOR", "MISSING_FORM_FILE", "XML_MALFORMED"]
    assert (error.code, error.file) == ("UNKNOWN_OPERATOR", "a/notify.bpmn")
    assert "2 more problems" in error.message


def test_a_path_leaving_the_bundle_is_refused() -> None:
    error = only_error({**GOOD, "../outside.bpmn": GOOD["transfer/transfer.bpmn"]})
    assert (error["code"], error["file"]) == ("INVALID_PATH", "../outside.bpmn")


def test_a_process_id_defined_twice_is_refused_at_the_second_definition() -> None:
    files = {**GOOD, "copy/collect-documents.bpmn": GOOD["transfer/collect-documents.bpmn"]}
    error = refusal(files)
    duplicate = [p for p in error.params["errors"] if p["code"] == "DUPLICATE_PROCESS"]
    assert [(p["file"], p["element"]) for p in duplicate] == [("transfer/collect-documents.bpmn", "collect_documents")]


def test_a_decision_id_defined_twice_is_refused() -> None:
    error = only_error({**GOOD, "policies/copy.dmn": GOOD["policies/transfer-route.dmn"]})
    assert (error["code"], error["file"], error["element"]) == (
        "DUPLICATE_DECISION", "policies/transfer-route.dmn", "transfer_route"
    )


def test_a_service_task_naming_no_operator_is_refused() -> None:
    files = {**GOOD, "transfer/transfer.bpmn": GOOD["transfer/transfer.bpmn"].replace(
        b'serviceTaskOperator id="bureau.submit_transfer"', b'serviceTaskOperator id=""'
    )}
    error = only_error(files)
    line = line_of(files, "transfer/transfer.bpmn", '<bpmn:serviceTask id="submit_transfer"')
    assert where(error) == ("MISSING_OPERATOR", "transfer/transfer.bpmn", line, "submit_transfer")


def test_a_dmn_file_with_two_decisions_is_refused_at_the_second() -> None:
    dmn = GOOD["policies/transfer-route.dmn"]
    table = re.search(rb'  <decision id="transfer_route".*?</decision>\n', dmn, flags=re.S)
    assert table is not None
    second = table.group(0).replace(b'"transfer_route"', b'"transfer_route_2"').replace(b'id="', b'id="b_')
    files = {**GOOD, "policies/transfer-route.dmn": dmn.replace(table.group(0), table.group(0) + second)}
    error = only_error(files)
    line = line_of(files, "policies/transfer-route.dmn", '<decision id="b_transfer_route_2"')
    assert where(error) == ("MULTIPLE_DECISIONS", "policies/transfer-route.dmn", line, "b_transfer_route_2")


def test_a_dmn_file_without_a_decision_table_is_refused() -> None:
    dmn = re.sub(rb"<decisionTable.*</decisionTable>", b"", GOOD["policies/transfer-route.dmn"], flags=re.S)
    error = only_error({**GOOD, "policies/transfer-route.dmn": dmn})
    assert (error["code"], error["file"]) == ("NO_DECISION", "policies/transfer-route.dmn")


# -- warnings --------------------------------------------------------------------------------------------


def test_a_process_without_lanes_deploys_with_a_warning() -> None:
    files = dict(GOOD)
    files["transfer/collect-documents.bpmn"] = re.sub(
        rb"<bpmn:laneSet.*</bpmn:laneSet>", b"", GOOD["transfer/collect-documents.bpmn"], flags=re.S
    )
    bundle = parse(files)
    assert [(w.code, w.element) for w in bundle.warnings] == [("NO_LANES", "collect_documents")]


def test_a_user_task_outside_every_lane_deploys_with_a_warning() -> None:
    files = {**GOOD, "transfer/transfer.bpmn": GOOD["transfer/transfer.bpmn"].replace(
        b"<bpmn:flowNodeRef>fill_application</bpmn:flowNodeRef>", b""
    )}
    bundle = parse(files)
    assert [(w.code, w.element) for w in bundle.warnings] == [("USER_TASK_WITHOUT_LANE", "fill_application")]
    assert bundle.processes["transfer"].user_tasks[0].lane is None


def test_unknown_and_unused_files_deploy_with_warnings() -> None:
    bundle = parse({**GOOD, "transfer/README.md": b"notes", "transfer/spare.json": b"{}"})
    assert [(w.code, w.file) for w in bundle.warnings] == [
        ("IGNORED_FILE", "transfer/README.md"), ("UNUSED_FILE", "transfer/spare.json")
    ]


def test_every_problem_code_has_chinese_and_english_text() -> None:
    codes = set()
    for name in ("malformed", "no-executable", "unknown-operator", "missing-form", "invalid-form",
                 "missing-called-process", "missing-decision", "expression-refused", "schema-invalid",
                 "library-refused"):
        codes |= {p["code"] for p in refusal(broken(name)).params["errors"]}
    assert len(codes) == 10
    assert codes <= set(MESSAGES)
    assert all(texts["zh"] and texts["en"] for texts in MESSAGES.values())

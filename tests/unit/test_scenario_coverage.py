"""Coverage read from SpiffWorkflow's task tree: which flows were taken, which boundary events fired."""

from __future__ import annotations

from pathlib import Path

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.bundle import load_specs
from engine.scenarios.coverage import CoverageTally, graphs_from_files, percent, taken_by_workflow

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios"


def files() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (FIXTURES / "coverage").glob("*.bpmn")}


def workflow() -> BpmnWorkflow:
    spec, subs = load_specs(files(), {}, "par")
    wf = BpmnWorkflow(spec, subs)
    wf.do_engine_steps()
    return wf


def complete(wf: BpmnWorkflow, element: str) -> None:
    task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == element)
    task.run()
    wf.do_engine_steps()


def test_the_graph_lists_flows_and_boundary_events_of_each_process_with_nested_subprocesses() -> None:
    graphs = graphs_from_files(files())
    assert set(graphs) == {"par", "callee"}
    assert graphs["par"].flows["s1"] == ("sub_start", "sub_task")  # inside the embedded subprocess
    assert graphs["par"].flows_between("split", "a") == ["fa"]
    assert graphs["callee"].flows == {"c1": ("c_start", "c_task"), "c2": ("c_task", "c_end")}


def test_a_run_counts_parallel_branches_the_chosen_inclusive_branch_and_the_event_that_fired() -> None:
    graphs = graphs_from_files(files())
    wf = workflow()
    for element in ("a", "b", "c_task", "sub_task"):
        complete(wf, element)
    wf.catch(BpmnEvent(MessageEventDefinition("ping"), {}))
    wf.do_engine_steps()
    assert wf.is_completed()
    taken = taken_by_workflow(wf, "par", graphs)
    # both branches into the parallel join count, though spiff cancels the join task of one of them
    assert {"fa", "fb", "fa2", "fb2"} <= taken["par"].flows
    # the inclusive gateway took only its true branch (the default is for when none is true)
    assert {"iy", "oy"} <= taken["par"].flows and not {"ix", "iz", "ox", "oz"} & taken["par"].flows
    # flows inside the embedded subprocess count for the process that contains it
    assert {"s1", "s2", "f4", "f5"} <= taken["par"].flows
    # after the event-based gateway only the event that fired counts
    assert {"e1", "e3"} <= taken["par"].flows and not {"e2", "e4"} & taken["par"].flows
    # what ran inside the call activity counts for the called process
    assert taken["callee"].flows == {"c1", "c2"}


def test_a_workflow_that_waits_counts_the_flow_into_the_ready_task_but_not_beyond() -> None:
    graphs = graphs_from_files(files())
    wf = workflow()
    taken = taken_by_workflow(wf, "par", graphs)
    assert taken["par"].flows == {"f1", "fa", "fb"}
    assert "callee" not in taken


def test_the_tally_adds_runs_up_and_lists_what_is_missing_in_document_order() -> None:
    graphs = graphs_from_files(files())
    tally = CoverageTally(graphs)
    tally.count_scenario("par")
    tally.add(taken_by_workflow(workflow(), "par", graphs))
    par = tally.process("par")
    assert par is not None
    figures = par.as_dict()["sequence_flows"]
    assert figures["covered"] == 3 and figures["total"] == len(graphs["par"].flows)
    assert figures["uncovered"][:3] == ["ix", "iy", "iz"]
    assert par.scenarios == 1 and not par.complete


def test_percentages_are_whole_and_never_round_up_to_a_full_hundred() -> None:
    assert percent(12, 14) == 86
    assert percent(199, 200) == 99
    assert percent(3, 3) == 100
    assert percent(0, 0) == 100

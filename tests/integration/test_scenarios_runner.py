"""The generic scenario runner with the bare host, its bounds, and the product's generated documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.core import Engine
from engine.scenarios import ScenarioHost, ScenarioRunner, collect, load, load_all
from web.scenario_cli import generated_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios"
EXPENSE = FIXTURES / "library" / "expense" / "scenarios"


def test_the_bare_host_runs_scenarios_on_a_plain_engine_and_tallies_coverage() -> None:
    with ScenarioRunner() as runner:
        report = runner.run_all(load_all(collect([EXPENSE])))
        workdir = runner.workdir
    assert report.passed and [r.scenario.name.rsplit("/", 1)[-1] for r in report.results] == ["approved.yaml", "overdue.yaml"]
    [tally] = report.tallies
    expense = tally.processes["expense"]
    assert expense.complete and expense.scenarios == 2
    assert not workdir.exists()  # the temporary folder goes away


def test_the_bare_host_refuses_a_scenario_that_needs_the_sandbox() -> None:
    with ScenarioRunner() as runner:
        result = runner.run(load(FIXTURES / "library" / "pension_transfer" / "scenarios" / "transferred.yaml"))
    # the library deploys without pension_transfer (no bureau operators here), which says why
    assert result.failure is not None and result.failure.where == "deploy"
    assert result.failure.message == (
        "pension_transfer did not deploy: pension_transfer/pension_transfer.bpmn:8 (apply): unknown operator 'bureau.apply_transfer'"
    )


class ForeverCallbacks(ScenarioHost):
    """A host whose outside world never stops sending something."""

    def pump(self, engine: Engine) -> int:
        return 1


def test_a_step_that_never_comes_to_rest_fails_with_a_clear_message() -> None:
    with ScenarioRunner(ForeverCallbacks(), max_rounds=3) as runner:
        result = runner.run(load(EXPENSE / "approved.yaml"))
    assert result.failure is not None and result.failure.where == "start"
    assert "still busy after 3 rounds of jobs and callbacks: a loop that never waits" in result.failure.message


def test_more_jobs_than_the_budget_in_one_step_fail_that_step() -> None:
    with ScenarioRunner(max_jobs_per_step=0) as runner:
        result = runner.run(load(EXPENSE / "overdue.yaml"))
    assert result.failure is not None and result.failure.where == "step 5 (advance P6D, line 15)"
    assert result.failure.message.startswith("still busy after 0 jobs: a loop that never waits")


def test_generated_documents_are_about_the_cases_person() -> None:
    person: dict[str, Any] = {"name": "王芳", "resident_id": "110105199003070121", "gender": "F", "birth_date": "1990-03-07"}
    content, ext, truth = generated_document("id_card_front", {"generated": "id_card_front"}, person)
    assert ext == "jpg" and content[:3] == b"\xff\xd8\xff"
    assert truth["fields"]["name"] == "王芳" and truth["fields"]["id_number"] == "110105199003070121"
    assert truth["fields"]["sex"] == "female" and truth["fields"]["birth_date"] == "1990-03-07"
    _, _, contract = generated_document("labour_contract", {"generated": "labour_contract", "seed": 4}, person)
    assert contract["fields"]["name"] == "王芳" and contract["fields"]["id_number"] == "110105199003070121"
    # without a person the seed draws one, as the OCR evaluation set does
    _, _, drawn = generated_document("id_card_front", {"generated": "id_card_front"}, None)
    assert drawn["fields"]["id_number"] != "110105199003070121"

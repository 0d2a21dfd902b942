"""``shebao test``: scenario files run against the product's wiring and the in-process sandbox."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from web.scenario_cli import test_command as scenario_command

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios"
LIBRARY = FIXTURES / "library"
EXPENSE = LIBRARY / "expense" / "scenarios"


@pytest.fixture
def run(monkeypatch, tmp_path):
    monkeypatch.setenv("SHEBAO_ENV_FILE", str(tmp_path / "none.env"))
    monkeypatch.chdir(FIXTURES.parents[2])  # file names print relative to the repository

    def invoke(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(scenario_command, list(args), catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def test_a_library_passes_and_its_scenarios_together_cover_every_flow_and_boundary_event(run):
    code, out, err = run(str(LIBRARY))
    assert code == 0, out + err
    assert out.count("PASS  ") == 6 and "FAIL" not in out
    assert "  expense: sequence flows 11/11 (100%), boundary events 1/1 (100%)" in out
    # the bureau over HTTP: an error boundary for an unknown person, callbacks for a transfer, and
    # messages sent by the scenario itself
    assert "  pension_transfer: sequence flows 6/6 (100%), boundary events 1/1 (100%)" in out
    assert "  upload_id: sequence flows 2/2 (100%), boundary events 0/0 (100%)" in out
    assert out.rstrip().endswith("6 scenarios: 6 passed, 0 failed")


def test_one_scenario_alone_reports_what_it_left_uncovered(run):
    code, out, _ = run(str(EXPENSE / "approved.yaml"))
    assert code == 0
    assert "  expense: sequence flows 6/11 (55%), boundary events 0/1 (0%)" in out
    assert "    uncovered sequence flows: f_small, f_rejected, f_overdue, f_sent_back, f_auto_done" in out
    assert "    uncovered boundary events: review_overdue" in out


def test_full_coverage_can_be_required(run):
    code, _, err = run("--require-full-coverage", str(EXPENSE / "approved.yaml"))
    assert code == 1 and err == "error: coverage below 100%: expense\n"
    code, _, _ = run("--require-full-coverage", str(EXPENSE))
    assert code == 0


def test_json_output_has_results_and_coverage_figures(run):
    code, out, _ = run("--json", str(EXPENSE / "overdue.yaml"))
    assert code == 0
    report = json.loads(out)
    assert report["summary"] == {"scenarios": 1, "passed": 1, "failed": 0}
    [expense] = report["coverage"]
    assert expense["sequence_flows"] == {"covered": 10, "total": 11, "percent": 91, "uncovered": ["f_approved"]}
    assert expense["boundary_events"] == {"covered": 1, "total": 1, "percent": 100, "uncovered": []}
    assert report["below_full_coverage"] == ["expense"]


def test_a_failing_scenario_names_its_step_and_the_expected_and_actual_values(run):
    failing = FIXTURES / "failing"
    code, out, _ = run("--root", str(LIBRARY), *(str(failing / n) for n in ("wrong_ready.yaml", "not_ready.yaml", "invalid_form.yaml", "final_expect.yaml")))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "FAIL  tests/fixtures/scenarios/failing/wrong_ready.yaml  期待错误的待办"
    assert lines[1] == '      step 4 (expect, line 11): ready tasks: expected ["hr_review"], actual ["fill_claim"]'
    assert '      step 1 (complete hr_review, line 3): hr_review is not ready; ready: fill_claim' in lines
    assert '      step 1 (complete fill_claim, line 3): the form data is invalid: amount MINIMUM' in lines
    assert '      final expect (line 5): data.approved: expected false, actual true' in lines
    assert out.rstrip().endswith("4 scenarios: 0 passed, 4 failed")


def test_a_failure_in_json_carries_the_check(run):
    code, out, _ = run("--json", "--root", str(LIBRARY), str(FIXTURES / "failing" / "wrong_ready.yaml"))
    assert code == 1
    [result] = json.loads(out)["scenarios"]
    assert result["failure"]["where"] == "step 4 (expect, line 11)"
    assert result["failure"]["check"] == {
        "check": "ready", "expected": ["hr_review"], "actual": ["fill_claim"],
        "message": 'ready tasks: expected ["hr_review"], actual ["fill_claim"]',
    }


def test_malformed_files_are_refused_before_anything_runs_one_line_per_problem(run):
    code, out, err = run(str(FIXTURES / "malformed"))
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert all(line.startswith("error: tests/fixtures/scenarios/malformed/scenarios/") for line in lines)
    assert "error: tests/fixtures/scenarios/malformed/scenarios/unknown_keys.yaml:6: steps[0].date: unknown key (allowed: as, complete, data, files)" in lines
    assert len(lines) == 13  # every problem of all five files


def test_missing_paths_and_empty_folders_are_one_line_errors(run, tmp_path):
    code, _, err = run(str(tmp_path / "nowhere"))
    assert code == 1 and err.count("\n") == 1 and "no such file or folder" in err
    code, _, err = run(str(tmp_path))
    assert code == 1 and err.startswith("error: no scenario files")


def test_a_process_that_does_not_deploy_fails_only_its_own_scenarios(run, tmp_path):
    library = tmp_path / "workflows"
    shutil.copytree(LIBRARY / "expense", library / "expense")
    broken = library / "broken" / "scenarios"
    broken.mkdir(parents=True)
    (library / "broken" / "broken.bpmn").write_text("<bpmn:definitions", encoding="utf-8")
    (broken / "anything.yaml").write_text("process: broken\n", encoding="utf-8")
    code, out, _ = run(str(library))
    assert code == 1
    assert "DEPLOY ERROR  broken: broken/broken.bpmn" in out
    assert "FAIL  " in out and "      deploy: broken did not deploy: broken/broken.bpmn" in out
    assert out.count("PASS  ") == 2

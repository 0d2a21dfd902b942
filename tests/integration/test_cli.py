"""The ``shebao`` command line against a real database: the public contract of DESIGN.md."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.support.engines import FIXTURES
from web.cli import cli


@pytest.fixture
def run(engine_env, monkeypatch):
    for key, value in engine_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SHEBAO_BANKS", "")
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def test_deploy_start_work_and_show_a_case_from_the_command_line(run, tmp_path):
    folder = tmp_path / "defs"
    folder.mkdir()
    (folder / "lifecycle.bpmn").write_bytes((FIXTURES / "bpmn" / "lifecycle.bpmn").read_bytes())

    code, out, _ = run("deploy", str(folder))
    assert code == 0 and "deployed lifecycle version 1" in out
    code, out, _ = run("deploy", str(folder))
    assert code == 0 and "unchanged lifecycle" in out

    code, out, _ = run("start", "lifecycle", "--key", "case-9", "--data", '{"amount": 5}', "--as", "hr1", "--json")
    assert code == 0
    instance_id = json.loads(out)["instance_id"]

    code, out, _ = run("tasks", "--json")
    tasks = json.loads(out)
    assert [t["element_id"] for t in tasks] == ["review"]
    task_id = tasks[0]["id"]

    assert run("claim", task_id, "--as", "hr1")[0] == 0
    code, _, err = run("claim", task_id, "--as", "hr2")
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1
    assert run("complete", task_id, "--data", '{"approved": true}', "--as", "hr1")[0] == 0

    code, out, _ = run("show", instance_id, "--json")
    shown = json.loads(out)
    assert shown["status"] == "completed" and shown["business_key"] == "case-9"
    assert any(h["event"] == "instance_completed" for h in shown["history"])


def test_errors_are_one_line_on_stderr_with_a_non_zero_exit(run):
    code, _, err = run("show", "no-such-instance")
    assert code == 1 and "no-such-instance" in err and err.count("\n") == 1
    code, _, err = run("start", "lifecycle", "--data", "[1, 2]")
    assert code == 2 and "JSON object" in err
    code, _, err = run("clock", "--advance", "P1M")
    assert code == 1 and "duration" in err


def test_the_clock_moves_forward_and_reports_as_json(run):
    code, out, _ = run("clock", "--advance", "P45D", "--json")
    assert code == 0
    assert json.loads(out)["offset_seconds"] == pytest.approx(45 * 86400)
    code, out, _ = run("clock", "--json")
    assert json.loads(out)["offset_seconds"] == pytest.approx(45 * 86400)

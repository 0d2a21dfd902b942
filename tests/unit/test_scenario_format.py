"""Reading scenario files: the format's schema, clear errors naming file, line and key path."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.scenarios import ScenarioFileError, collect, load, load_all
from engine.scenarios.model import describe_problem
from engine.scenarios.schema import SCENARIO_SCHEMA

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios"
MALFORMED = FIXTURES / "malformed" / "scenarios"


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioFileError) as caught:
        load(path)
    return [describe_problem(p) for p in caught.value.params["errors"]]


def test_a_good_file_loads_with_its_steps_lines_and_business_time() -> None:
    s = load(FIXTURES / "library" / "expense" / "scenarios" / "overdue.yaml")
    assert s.process == "expense" and s.folder == "expense" and s.root == FIXTURES / "library"
    assert s.clock == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    assert [st.kind for st in s.steps][:5] == ["complete", "complete", "expect", "complete", "advance"]
    assert s.steps[4].label == "step 5 (advance P6D, line 15)"
    assert s.expect["path"][-1] == "end"


def test_yaml_dates_become_iso_text_like_a_form_sends_them(tmp_path: Path) -> None:
    folder = tmp_path / "proc" / "scenarios"
    folder.mkdir(parents=True)
    (folder / "dates.yaml").write_text("process: p\nclock: 2026-03-02\nstart:\n  data: {start: 2026-04-01}\n", encoding="utf-8")
    s = load(folder / "dates.yaml")
    assert s.start["data"]["start"] == "2026-04-01"
    assert s.clock == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # a bare date is 10:00 China time


def test_unknown_keys_are_named_with_their_path_and_what_is_allowed() -> None:
    name = "tests/fixtures/scenarios/malformed/scenarios/unknown_keys.yaml"
    assert problems(MALFORMED / "unknown_keys.yaml") == [
        f"{name}:2: titel: unknown key (allowed: clock, expect, process, sandbox, start, steps, title)",
        f"{name}:6: steps[0].date: unknown key (allowed: as, complete, data, files)",
        f"{name}:8: steps[1].expect.staus: unknown key (allowed: data, incidents, no_warnings, path, ready, stage, status, warnings)",
    ]


def test_each_step_has_exactly_one_action_and_valid_values() -> None:
    found = problems(MALFORMED / "step_shapes.yaml")
    assert any(":3: steps[0]: a step has exactly one of complete, advance, message, expect (found: complete, advance)" in p for p in found)
    assert any(":5: steps[1]: a step has exactly one of" in p and "(found: none)" in p for p in found)
    assert any(":6: steps[2].advance: not an ISO 8601 duration" in p for p in found)
    assert any(":7: steps[3].message: 'name' is a required property" in p for p in found)
    assert any(":8: steps[4].expect.incidents:" in p for p in found)
    assert any(":8: steps[4].expect.status: 'finished' is not one of" in p for p in found)


def test_broken_yaml_a_key_given_twice_and_a_bad_clock_are_errors_with_lines() -> None:
    assert problems(MALFORMED / "not_yaml.yaml")[0].startswith("tests/fixtures/scenarios/malformed/scenarios/not_yaml.yaml:4: ")
    assert problems(MALFORMED / "duplicate_key.yaml") == [
        "tests/fixtures/scenarios/malformed/scenarios/duplicate_key.yaml:4: duplicate key 'start'"
    ]
    found = problems(MALFORMED / "bad_clock.yaml")
    assert any(":2: clock: not an ISO date or date-time: 'next tuesday'" in p for p in found)
    assert any(":3: steps: " in p and "is not of type 'array'" in p for p in found)


def test_load_all_reports_every_malformed_file_at_once() -> None:
    with pytest.raises(ScenarioFileError) as caught:
        load_all(collect([MALFORMED]))
    files = {p["file"].rsplit("/", 1)[-1] for p in caught.value.params["errors"]}
    assert files == {"unknown_keys.yaml", "step_shapes.yaml", "not_yaml.yaml", "duplicate_key.yaml", "bad_clock.yaml"}


def test_a_file_outside_a_scenarios_folder_needs_the_library_root(tmp_path: Path) -> None:
    stray = tmp_path / "stray.yaml"
    stray.write_text("process: expense\n", encoding="utf-8")
    assert "lives in <process folder>/scenarios/" in problems(stray)[0]
    assert load(stray, root=tmp_path).root == tmp_path


def test_collect_takes_yaml_under_scenarios_folders_and_files_as_given() -> None:
    found = collect([FIXTURES / "library"])
    assert sorted(f.name for f in found) == [
        "approved.yaml", "generated_documents.yaml", "messages_by_hand.yaml", "overdue.yaml", "person_unknown.yaml", "transferred.yaml",
    ]
    assert collect([FIXTURES / "failing" / "wrong_ready.yaml"]) == [FIXTURES / "failing" / "wrong_ready.yaml"]
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        collect([FIXTURES / "nowhere"])


def test_the_published_schema_accepts_the_fixture_scenarios() -> None:
    import yaml
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(SCENARIO_SCHEMA)
    for f in collect([FIXTURES / "library"]):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        assert not list(validator.iter_errors(doc)), f

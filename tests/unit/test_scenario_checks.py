"""Expectations compared with an instance: subsets, dotted keys, warnings, paths, incidents."""

from __future__ import annotations

from engine.scenarios.checks import Observed, check, data_mismatches, matches, path_problem, render

DATA = {
    "person": {"name": "王芳", "resident_id": "110105199003070121"},
    "amount": 5000,
    "approved": True,
    "warnings": [{"code": "GAP_FORECAST", "severity": "warning", "params": {"gap_months": 2}}],
    "items": [{"code": "a", "n": 1}, {"code": "b", "n": 2}],
}


def seen(**kw: object) -> Observed:
    base = {"status": "running", "stage": "社保转移中", "ready": ["hr_review"], "data": DATA, "path": ["start", "a", "b", "a", "end"], "incidents": []}
    base.update(kw)
    return Observed(**base)  # type: ignore[arg-type]


def test_data_is_a_subset_match_with_dotted_keys_and_list_positions() -> None:
    assert data_mismatches({"person.name": "王芳", "amount": 5000.0, "items.1.code": "b", "person": {"name": "王芳"}}, DATA) == []
    [miss] = data_mismatches({"person.gender": "F"}, DATA)
    assert miss.check == "data.person.gender" and "no such key (data.person has: name, resident_id)" in miss.message


def test_true_is_not_one_and_lists_match_item_by_item() -> None:
    assert not matches(1, True) and not matches(True, 1)
    assert matches([{"code": "a"}, {"code": "b"}], DATA["items"])
    assert not matches([{"code": "a"}], DATA["items"])


def test_checks_follow_the_order_they_were_written_in() -> None:
    found = check({"stage": "社保卡就绪", "ready": ["escalate"]}, seen())
    assert [m.check for m in found] == ["stage", "ready"]
    assert found[1].message == 'ready tasks: expected ["escalate"], actual ["hr_review"]'


def test_warnings_must_be_present_and_no_warnings_absent() -> None:
    assert check({"warnings": ["GAP_FORECAST"], "no_warnings": ["BASE_CONFLICT"]}, seen()) == []
    [missing, present] = check({"warnings": ["BASE_CONFLICT"], "no_warnings": ["GAP_FORECAST"]}, seen())
    assert "BASE_CONFLICT missing" in missing.message and "GAP_FORECAST present" in present.message


def test_path_is_a_subsequence_of_what_ran_and_says_where_it_broke_off() -> None:
    assert path_problem(["start", "a", "end"], ["start", "a", "b", "a", "end"]) is None
    assert path_problem(["a", "a"], ["start", "a", "b", "a", "end"]) is None
    problem = path_problem(["start", "b", "x"], ["start", "a", "b", "end"])
    assert problem is not None and problem.startswith("path: after [\"start\", \"b\"] 'x' never ran")
    problem = path_problem(["end", "a"], ["start", "a", "end"])
    assert problem is not None and "'a' did not run after them" in problem


def test_incidents_are_counted_and_listed_when_the_count_is_wrong() -> None:
    [m] = check({"incidents": 0}, seen(incidents=["apply: TechnicalError: bureau answered 500"]))
    assert m.message == "open incidents: expected 0, actual 1 (apply: TechnicalError: bureau answered 500)"


def test_long_numbers_are_masked_in_messages() -> None:
    assert render("110105199003070121") == '"1101**********0121"'
    assert render({"card": "6222021234567890123"}) == '{"card": "6222***********0123"}'

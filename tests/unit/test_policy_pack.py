"""The policy pack's source tables and generator: committed DMN is up to date, rows follow the rules."""

from __future__ import annotations

import csv
import shutil

import pytest

from engine.bundle import parse_bundle
from engine.evaluation import Evaluator
from tests.support.processes import POLICIES, policy_pack_generator

SOURCE = POLICIES / "source"
PROVINCE_CODES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
    "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
}  # fmt: skip
# The documents DOMAIN.md tags [N]: only rows citing them may be verified.
NATIONAL_SOURCES = {
    "国办发〔2009〕66号", "人社部规〔2016〕5号", "医保办发〔2021〕43号", "国办发〔2019〕13号",
    "《社会保险法》第五十八条", "《劳动合同法》第五十条",
}  # fmt: skip


gen = policy_pack_generator()


def _rows(name: str) -> list[dict[str, str]]:
    with (SOURCE / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_committed_dmn_files_are_what_the_generator_builds_from_the_tables():
    built = gen.build(SOURCE)
    committed = {p.name: p.read_bytes() for p in POLICIES.glob("*.dmn")}
    assert sorted(built) == sorted(committed) == [
        "policy_base_bounds.dmn", "policy_card.dmn", "policy_filing_window.dmn", "policy_materials.dmn",
        "policy_sla.dmn",
    ]
    stale = [name for name in built if built[name] != committed[name]]
    assert stale == [], "run: python scripts/build_policy_pack.py"


def test_the_check_mode_reports_a_stale_file(tmp_path, capsys):
    for p in POLICIES.glob("*.dmn"):
        shutil.copy(p, tmp_path / p.name)
    assert gen.main(["--check", "--out", str(tmp_path)]) == 0
    (tmp_path / "policy_card.dmn").write_text("old", encoding="utf-8")
    assert gen.main(["--check", "--out", str(tmp_path)]) == 1
    assert "policy_card.dmn" in capsys.readouterr().err
    assert (tmp_path / "policy_card.dmn").read_text(encoding="utf-8") == "old"


def test_the_division_table_lists_exactly_the_31_provinces():
    assert {r["code"] for r in _rows("divisions")} == PROVINCE_CODES


def test_the_pack_is_valid_dmn_that_the_engine_accepts_without_warnings():
    bundle = parse_bundle(gen.build(SOURCE), operators=(), evaluator=Evaluator())
    assert sorted(bundle.decisions) == [
        "policy_base_bounds", "policy_card", "policy_filing_window", "policy_materials", "policy_sla",
    ]
    assert bundle.warnings == []


@pytest.mark.parametrize("name", sorted(gen.SPECS))
def test_every_row_has_a_source_and_only_national_law_is_verified(name):
    for row in _rows(name):
        assert row["source"].strip(), row
        if row["verified"] == "true":
            assert row["source"] in NATIONAL_SOURCES, row
            assert row["region"] == "*", row


@pytest.mark.parametrize("name", sorted(gen.SPECS))
def test_every_table_has_national_rows_that_reach_every_province(name):
    rules = gen.expand(gen.SPECS[name], gen.read_rows(gen.SPECS[name], SOURCE, gen.load_divisions(SOURCE)),
                       gen.load_divisions(SOURCE))
    assert {r.province for r in rules if r.level == "national"} == PROVINCE_CODES | {None}


def test_the_local_base_bounds_of_domain_md_are_in_the_table():
    rows = {(r["region"], r["effective_from"]): (int(r["base_lower"]), int(r["base_upper"]))
            for r in _rows("policy_base_bounds") if r["region"] != "*"}
    assert rows == {
        ("11", "2025-07-01"): (7162, 35811), ("11", "2024-07-01"): (6821, 35283),
        ("31", "2024-07-01"): (7384, 36921), ("44", "2024-01-01"): (4492, 27501),
        ("32", "2024-01-01"): (4879, 24396), ("41", "2024-01-01"): (3756, 18780),
        ("34", "2024-01-01"): (4227, 21133), ("51", "2024-01-01"): (4511, 22555),
        ("37", "2024-01-01"): (4416, 22078),
    }


@pytest.mark.parametrize(
    ("table", "line", "problem"),
    [
        ("policy_base_bounds", "99,2024-01-01,,1,2,test,false,", "region must be"),
        ("policy_base_bounds", "11,2024-01-01,,1,2,DOMAIN.md example [?],true,", "cannot be verified"),
        ("policy_base_bounds", "11,2025-01-01,,1,2,test,false,", "overlap"),
        ("policy_base_bounds", "12,2025-13-01,,1,2,test,false,", "is not a date"),
        ("policy_base_bounds", "12,2025-02-01,2025-01-01,1,2,test,false,", "after effective_to"),
        ("policy_base_bounds", "12,,,1,2,,false,", "needs a source"),
        ("policy_sla", "11,enrolment,,,30,30,test,false,", "exactly one of"),
        ("policy_sla", "11,lunch,,,1,,test,false,", "is not one of"),
        ("policy_materials", "11,card,,,,photo,yes,,test,false,", "true or false"),
        ("policy_materials", "11,card,,,,bank_card,false,passport,test,false,", "alternative_to"),
        ("policy_filing_window", "11,,,1,,same_month,test,false,", "must not be empty"),
    ],
)
def test_the_generator_refuses_a_wrong_row_and_names_its_line(tmp_path, capsys, table, line, problem):
    source = tmp_path / "source"
    shutil.copytree(SOURCE, source)
    path = source / f"{table}.csv"
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    assert gen.main(["--check", "--source", str(source), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert problem in err and f"{table}.csv:" in err


def test_a_province_row_replaces_the_national_material_of_the_same_kind(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(SOURCE, source)
    path = source / "policy_materials.csv"
    path.write_text(path.read_text(encoding="utf-8") + "44,card,,,,photo,false,,test,false,\n", encoding="utf-8")
    spec = gen.SPECS["policy_materials"]
    divisions = gen.load_divisions(source)
    rules = gen.expand(spec, gen.read_rows(spec, source, divisions), divisions)
    photos = [(r.province, r.level) for r in rules if r.row.values["material"] == "photo" and r.province in ("44", "45")]
    assert photos == [("44", "province"), ("45", "national")]

"""The test-document generator: fixed seeds, ground truth, and the committed evaluation set."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from connectors.ocr.generator import DocumentSpec, evaluation_plan, expected_codes, generate_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ocr"


def manifest() -> dict:
    return json.loads((FIXTURES / "ground_truth.json").read_text(encoding="utf-8"))


def test_the_same_seed_draws_the_same_document() -> None:
    spec = DocumentSpec("id_card_front", 77, layout="photo", profile="photo")
    first, second = generate_document(spec), generate_document(spec)
    assert first.data == second.data and first.truth == second.truth


def test_different_seeds_draw_different_people() -> None:
    a = generate_document(DocumentSpec("labour_contract", 1)).truth["fields"]
    b = generate_document(DocumentSpec("labour_contract", 2)).truth["fields"]
    assert a["id_number"] != b["id_number"]


def test_planted_defects_say_which_findings_a_reader_owes() -> None:
    assert expected_codes(("missing:separation_date", "bad_check:id_number", "seal:faint")) == [
        "ID_NUMBER_INVALID", "SEAL_FAINT", "SEPARATION_DATE_MISSING",
    ]
    with pytest.raises(ValueError, match="unknown defect"):
        expected_codes(("smudge",))


def test_a_missing_field_is_absent_from_the_truth_and_a_spoilt_number_fails_its_check() -> None:
    from casework.identifiers import validate_resident_id

    truth = generate_document(DocumentSpec("separation_certificate", 5, defects=("missing:separation_date",))).truth
    assert truth["fields"]["separation_date"] is None and truth["findings"] == ["SEPARATION_DATE_MISSING"]
    spoilt = generate_document(DocumentSpec("contribution_certificate", 6, defects=("bad_check:id_number",))).truth
    assert not validate_resident_id(spoilt["fields"]["id_number"]).valid


def test_the_committed_set_has_at_least_sixty_documents_of_all_four_types_within_size() -> None:
    docs = manifest()["documents"]
    per_type = Counter(d["type"] for d in docs)
    assert len(docs) >= 60 and len(per_type) == 4 and min(per_type.values()) >= 15
    formats = {d["format"] for d in docs}
    assert {"jpeg", "png", "pdf"} <= formats
    total = sum((FIXTURES / d["file"]).stat().st_size for d in docs + manifest()["photos"])
    assert total < 15 * 1024 * 1024


def test_the_committed_truth_is_what_the_fixed_seeds_generate() -> None:
    committed = {d["seed"]: d for d in manifest()["documents"]}
    plan = evaluation_plan()
    assert sorted(committed) == sorted(spec.seed for spec, _sample in plan)
    for spec, sample in plan:
        if not sample:
            continue
        truth = generate_document(spec).truth
        entry = committed[spec.seed]
        assert entry["sample"] and entry["fields"] == truth["fields"] and entry["findings"] == truth["findings"]
        assert (FIXTURES / entry["file"]).is_file()


def test_the_sample_covers_every_type_and_a_missing_field_and_a_bad_check_character() -> None:
    sample = [d for d in manifest()["documents"] if d["sample"]]
    assert {d["type"] for d in sample} == {"separation_certificate", "contribution_certificate", "id_card_front", "labour_contract"}
    defects = [x for d in sample for x in d["defects"]]
    assert any(x.startswith("missing:") for x in defects) and any(x.startswith("bad_check:") for x in defects)

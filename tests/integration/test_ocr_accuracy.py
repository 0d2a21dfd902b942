"""A small sample of the OCR benchmark: the same evaluation code on a handful of committed documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.ocr.evaluation import evaluate

MANIFEST = Path(__file__).resolve().parents[1] / "fixtures" / "ocr" / "ground_truth.json"
TARGET = 0.90  # a handful of documents (about 50 fields) cannot measure the 95 % the full bench checks


@pytest.mark.slow
def test_the_sample_is_read_to_the_accuracy_target_and_every_planted_defect_is_flagged() -> None:
    report = evaluate(MANIFEST, sample_only=True)
    assert len(report.results) >= 6
    accuracy, fields = report.field_accuracy()
    assert fields >= 35
    assert accuracy >= TARGET, report.errors()
    assert report.type_accuracy()[0] == 1.0
    recall, flagged_docs = report.flag_recall()
    assert flagged_docs >= 2 and recall == 1.0, [(r.file, r.missed_codes) for r in report.results if r.missed_codes]
    assert report.seal_accuracy()[0] == 1.0

"""The OCR operators as the engine calls them: attachment bytes in, a JSON-able reading out."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.ocr import register_ocr_operators
from engine.errors import BusinessError, NotFound
from engine.operators import OperatorCall, OperatorRegistry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ocr"


def call_with(files: dict[str, bytes]) -> OperatorCall:
    def read(attachment_id: str) -> bytes:
        if attachment_id not in files:
            raise NotFound(f"no attachment {attachment_id}", attachment_id=attachment_id)
        return files[attachment_id]

    return OperatorCall("key-1", "instance-1", "read_certificate", 1, datetime(2025, 7, 1, 2, 0, tzinfo=UTC), read_attachment=read)


@pytest.fixture
def registry() -> OperatorRegistry:
    registry = OperatorRegistry()
    register_ocr_operators(registry)
    return registry


def sample(kind: str) -> tuple[dict, bytes]:
    manifest = json.loads((FIXTURES / "ground_truth.json").read_text(encoding="utf-8"))
    entry = next(d for d in manifest["documents"] if d["sample"] and d["type"] == kind and not d["defects"])
    return entry, (FIXTURES / entry["file"]).read_bytes()


def test_both_operators_are_registered_with_their_parameters(registry: OperatorRegistry) -> None:
    assert {"ocr.read_document", "ocr.check_photo"} <= set(registry.names())
    assert registry.get("ocr.read_document").missing_parameters({}) == ["attachment_id"]
    assert registry.get("ocr.check_photo").missing_parameters({"attachment_id": "a"}) == []


@pytest.mark.slow
def test_reading_a_document_returns_its_type_fields_and_findings_as_json_without_numbers_in_the_log(
    registry: OperatorRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    entry, data = sample("id_card_front")
    expected = {"id_number": entry["fields"]["id_number"], "expected_type": "separation_certificate"}
    with caplog.at_level(logging.INFO, logger="connectors.ocr"):
        result = registry.get("ocr.read_document").func({"attachment_id": "a1", "expected": expected}, call_with({"a1": data}))
    json.dumps(result)  # JSON-able as it is stored in the instance
    assert result["type"] == "id_card_front"
    assert result["fields"]["id_number"] == entry["fields"]["id_number"]  # the stored result keeps the number
    assert "ID_NUMBER_MISMATCH" not in result["codes"]
    assert result["ok"] is False and "DOCUMENT_TYPE_MISMATCH" in result["codes"]  # an ID card where a certificate was due
    assert entry["fields"]["id_number"] not in caplog.text and "a1" in caplog.text


def test_a_file_that_is_no_document_is_a_result_with_a_finding_not_an_error(registry: OperatorRegistry) -> None:
    result = registry.get("ocr.read_document").func({"attachment_id": "a2"}, call_with({"a2": b"plain text"}))
    assert result["ok"] is False and result["codes"] == ["FILE_NOT_READABLE"]
    assert result["findings"][0]["params"] == {"problem": "FILE_FORMAT_UNSUPPORTED"}


def test_a_missing_attachment_is_a_business_error_the_process_can_route(registry: OperatorRegistry) -> None:
    with pytest.raises(BusinessError) as caught:
        registry.get("ocr.read_document").func({"attachment_id": "nope"}, call_with({}))
    assert caught.value.code == "ATTACHMENT_NOT_FOUND"


def test_malformed_expectations_are_refused_with_a_code(registry: OperatorRegistry) -> None:
    with pytest.raises(BusinessError) as caught:
        registry.get("ocr.read_document").func(
            {"attachment_id": "a3", "expected": {"separation_from": "last week"}}, call_with({"a3": b"x"})
        )
    assert caught.value.code == "OCR_INVALID_PARAMETERS"


def test_checking_a_photo_returns_ok_and_the_reasons(registry: OperatorRegistry) -> None:
    photos = sorted((FIXTURES / "photos").iterdir())
    good = next(p for p in photos if "good" in p.name)
    blue = next(p for p in photos if "blue" in p.name)
    files = {"good": good.read_bytes(), "blue": blue.read_bytes()}
    op = registry.get("ocr.check_photo").func
    assert op({"attachment_id": "good"}, call_with(files))["ok"] is True
    result = op({"attachment_id": "blue"}, call_with(files))
    assert result["ok"] is False and result["codes"] == ["PHOTO_BACKGROUND_NOT_WHITE"]
    json.dumps(result)


def test_the_products_registry_runs_the_photo_check_with_its_own_settings() -> None:
    from web.bootstrap import build_operators

    registry = build_operators({})
    good = next(p for p in sorted((FIXTURES / "photos").iterdir()) if "good" in p.name)
    result = registry.get("ocr.check_photo").func({"attachment_id": "good"}, call_with({"good": good.read_bytes()}))
    assert result["ok"] is True

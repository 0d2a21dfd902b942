"""File fields: listing their rules, checking uploads before storing, checking stored references."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from casework.form_formats import register_casework_formats
from forms import DEFAULT_MAX_BYTES, FileField, Form, FormatRegistry, error, load_form, parse_form

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "forms"


@pytest.fixture(scope="module")
def enrolment() -> Form:
    return load_form(FIXTURES, "enrolment-schema.json", registry=register_casework_formats(FormatRegistry()))


def reference(**overrides: Any) -> dict[str, Any]:
    ref = {"attachment_id": "att-9", "name": "id.jpg", "content_type": "image/jpeg", "size": 50_000}
    ref.update(overrides)
    return ref


def photo_only_form() -> Form:
    schema = {
        "type": "object",
        "properties": {
            "photo": {"type": "object", "format": "file", "x-accept": ["image/jpeg"], "x-max-bytes": 40960}
        },
    }
    return parse_form(json.dumps(schema), filename="photo-schema.json")


def test_file_fields_are_listed_with_their_rules_and_array_items_as_star(enrolment: Form) -> None:
    assert enrolment.file_fields() == [
        FileField("id_card_photo", "身份证照片", ("image/jpeg", "image/png"), 2_097_152),
        FileField("other_documents.*", None, ("application/pdf", "image/*"), DEFAULT_MAX_BYTES),
    ]
    assert [f.multiple for f in enrolment.file_fields()] == [False, True]


def test_an_acceptable_upload_has_no_findings(enrolment: Form) -> None:
    assert enrolment.check_upload("id_card_photo", "身份证正面.jpg", "image/jpeg", 300_000) == []
    assert enrolment.check_upload("other_documents.3", "scan.png", "image/png", 1_000) == []
    assert (
        enrolment.check_upload("other_documents", "contract.pdf", "application/pdf; charset=binary", 1_000)
        == []
    )


def test_an_upload_over_the_limit_is_too_large(enrolment: Form) -> None:
    assert enrolment.check_upload("id_card_photo", "id.jpg", "image/jpeg", 3_000_000) == [
        error("FILE_TOO_LARGE", "id_card_photo", limit_bytes=2_097_152, size_bytes=3_000_000)
    ]


def test_an_upload_of_a_type_not_accepted_is_refused(enrolment: Form) -> None:
    assert enrolment.check_upload("id_card_photo", "id.pdf", "application/pdf", 1000) == [
        error(
            "FILE_TYPE_NOT_ALLOWED",
            "id_card_photo",
            accept=["image/jpeg", "image/png"],
            content_type="application/pdf",
        )
    ]


def test_the_default_limit_applies_when_the_schema_sets_none(enrolment: Form) -> None:
    found = enrolment.check_upload("other_documents.0", "big.pdf", "application/pdf", DEFAULT_MAX_BYTES + 1)
    assert [f.code for f in found] == ["FILE_TOO_LARGE"]


@pytest.mark.parametrize("name", ["", "   ", "../../etc/passwd", "a\\b.jpg", "bad\x00.jpg", "x" * 256])
def test_an_unusable_file_name_is_refused(enrolment: Form, name: str) -> None:
    assert [f.code for f in enrolment.check_upload("id_card_photo", name, "image/jpeg", 10)] == [
        "FILE_NAME_INVALID"
    ]


def test_an_empty_upload_is_refused(enrolment: Form) -> None:
    assert [f.code for f in enrolment.check_upload("id_card_photo", "id.jpg", "image/jpeg", 0)] == [
        "FILE_EMPTY"
    ]


def test_an_upload_to_a_field_that_is_not_a_file_field_is_refused(enrolment: Form) -> None:
    assert enrolment.check_upload("employee.name", "a.jpg", "image/jpeg", 10) == [
        error("FILE_FIELD_UNKNOWN", "employee.name", path="employee.name")
    ]


def test_a_stored_reference_is_checked_again_against_the_rules() -> None:
    form = photo_only_form()
    assert form.validate({"photo": reference(size=40960)}).ok
    result = form.validate({"photo": reference(size=50_000, content_type="image/png")})
    assert [(f.code, f.field) for f in result.errors] == [
        ("FILE_TOO_LARGE", "photo"),
        ("FILE_TYPE_NOT_ALLOWED", "photo"),
    ]


@pytest.mark.parametrize(
    "value",
    [
        "att-9",
        {"attachment_id": "att-9"},
        reference(size=-1),
        reference(size="5"),
        reference(attachment_id=""),
        reference(size=True),
    ],
)
def test_a_file_field_holding_anything_but_a_reference_is_an_error(value: Any) -> None:
    result = photo_only_form().validate({"photo": value})
    assert "FILE_REFERENCE_INVALID" in [f.code for f in result.errors]


def test_extra_keys_in_a_reference_are_allowed() -> None:
    assert photo_only_form().validate({"photo": reference(size=1000, sha256="ab" * 32)}).ok


def test_file_rules_without_a_file_format_are_refused_at_load() -> None:
    from engine.errors import InvalidDefinition

    schema = {"type": "object", "properties": {"photo": {"type": "object", "x-max-bytes": 10}}}
    with pytest.raises(InvalidDefinition) as caught:
        parse_form(json.dumps(schema), filename="rules-schema.json")
    assert caught.value.code == "FORM_FILE_FIELD_INVALID"


@pytest.mark.parametrize("limit", [0, -5, 1.5, "10", True])
def test_a_file_size_limit_must_be_a_positive_whole_number(limit: Any) -> None:
    from engine.errors import InvalidDefinition

    schema = {
        "type": "object",
        "properties": {"photo": {"type": "object", "format": "file", "x-max-bytes": limit}},
    }
    with pytest.raises(InvalidDefinition):
        parse_form(json.dumps(schema), filename="limit-schema.json")

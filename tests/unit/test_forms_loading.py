"""Loading form files: what a designer's file must satisfy, and how refusals name the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casework.form_formats import register_casework_formats
from engine.errors import InvalidDefinition
from forms import FormatRegistry, describe_code, load_form, parse_form

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "forms"


@pytest.fixture
def registry() -> FormatRegistry:
    return register_casework_formats(FormatRegistry())


def refusal(filename: str, registry: FormatRegistry) -> InvalidDefinition:
    with pytest.raises(InvalidDefinition) as caught:
        load_form(FIXTURES, filename, registry=registry)
    return caught.value


def test_a_spiff_arena_style_schema_and_ui_schema_pair_loads(registry: FormatRegistry) -> None:
    form = load_form(FIXTURES, "enrolment-schema.json", "enrolment-uischema.json", registry=registry)
    assert form.name == "enrolment-schema.json"
    assert form.title == "新员工参保登记"
    assert form.dialect == "draft-07"
    assert form.ui_schema is not None and form.ui_schema["ui:order"][0] == "employee"


def test_a_2020_12_schema_loads_with_its_dialect(registry: FormatRegistry) -> None:
    assert load_form(FIXTURES, "transfer-2020-12-schema.json", registry=registry).dialect == "2020-12"


def test_a_remote_ref_is_refused_at_load_naming_file_and_place(registry: FormatRegistry) -> None:
    err = refusal("broken/remote-ref-schema.json", registry)
    assert err.code == "FORM_REF_NOT_LOCAL"
    assert err.file == "broken/remote-ref-schema.json"
    assert err.element == "/properties/employee"
    assert err.params["ref"] == "https://forms.example.com/shared/person.json"
    assert "broken/remote-ref-schema.json" in str(err)


def test_a_ref_to_another_file_is_refused(registry: FormatRegistry) -> None:
    assert refusal("broken/relative-ref-schema.json", registry).code == "FORM_REF_NOT_LOCAL"


def test_a_ref_to_a_missing_definition_is_refused(registry: FormatRegistry) -> None:
    err = refusal("broken/unresolved-ref-schema.json", registry)
    assert err.code == "FORM_REF_UNRESOLVED"
    assert err.params["ref"] == "#/definitions/persn"


def test_malformed_json_is_refused_naming_the_file_and_line(registry: FormatRegistry) -> None:
    err = refusal("broken/malformed-json-schema.json", registry)
    assert err.code == "FORM_JSON_SYNTAX"
    assert err.file == "broken/malformed-json-schema.json"
    assert err.line == 4
    assert str(err).startswith("broken/malformed-json-schema.json:4:")


def test_a_schema_failing_the_meta_schema_is_refused_naming_the_file_and_place(
    registry: FormatRegistry,
) -> None:
    err = refusal("broken/not-a-schema-schema.json", registry)
    assert err.code == "FORM_SCHEMA_INVALID"
    assert err.file == "broken/not-a-schema-schema.json"
    assert err.element == "/properties/name/type"


def test_a_misspelt_keyword_is_refused_instead_of_silently_ignored(registry: FormatRegistry) -> None:
    err = refusal("broken/unknown-keyword-schema.json", registry)
    assert (err.code, err.params["keyword"], err.element) == ("FORM_UNKNOWN_KEYWORD", "requried", "/")


def test_a_draft_07_keyword_in_a_2020_12_schema_is_refused(registry: FormatRegistry) -> None:
    err = refusal("broken/dependencies-in-2020-12-schema.json", registry)
    assert (err.code, err.params["keyword"], err.params["dialect"]) == (
        "FORM_UNKNOWN_KEYWORD",
        "dependencies",
        "2020-12",
    )


def test_an_unknown_format_is_refused_listing_the_known_ones(registry: FormatRegistry) -> None:
    err = refusal("broken/unknown-format-schema.json", registry)
    assert err.code == "FORM_UNKNOWN_FORMAT"
    assert err.params["format"] == "social-security-number"
    assert "resident-id" in err.params["known"]


def test_domain_formats_are_unknown_unless_the_caller_registers_them() -> None:
    with pytest.raises(InvalidDefinition) as caught:
        load_form(FIXTURES, "enrolment-schema.json")
    assert caught.value.code == "FORM_UNKNOWN_FORMAT"
    assert caught.value.params["format"] == "resident-id"


def test_data_url_upload_fields_are_refused_with_the_replacement_named(registry: FormatRegistry) -> None:
    err = refusal("broken/data-url-schema.json", registry)
    assert err.code == "FORM_DATA_URL_UNSUPPORTED"
    assert '"format": "file"' in str(err)


def test_a_duplicate_key_is_refused(registry: FormatRegistry) -> None:
    err = refusal("broken/duplicate-key-schema.json", registry)
    assert (err.code, err.params["key"]) == ("FORM_JSON_DUPLICATE_KEY", "name")


def test_wrong_file_rules_are_refused(registry: FormatRegistry) -> None:
    err = refusal("broken/file-rules-schema.json", registry)
    assert err.code == "FORM_FILE_FIELD_INVALID"
    assert err.element == "/properties/photo"


def test_an_unsupported_dialect_is_refused(registry: FormatRegistry) -> None:
    err = refusal("broken/draft-04-schema.json", registry)
    assert err.code == "FORM_DIALECT_UNSUPPORTED"
    assert err.params["schema_uri"] == "http://json-schema.org/draft-04/schema#"


@pytest.mark.parametrize(
    "filename", ["../test_forms_loading.py", "../../unit/test_forms_loading.py", "/etc/hostname"]
)
def test_a_path_leaving_the_base_folder_is_refused(filename: str) -> None:
    with pytest.raises(InvalidDefinition) as caught:
        load_form(FIXTURES, filename)
    assert caught.value.code == "FORM_PATH_OUTSIDE_BASE"


def test_a_symbolic_link_pointing_outside_the_base_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside-schema.json"
    outside.write_text('{"type": "object"}', encoding="utf-8")
    base = tmp_path / "process"
    base.mkdir()
    (base / "link-schema.json").symlink_to(outside)
    with pytest.raises(InvalidDefinition) as caught:
        load_form(base, "link-schema.json")
    assert caught.value.code == "FORM_PATH_OUTSIDE_BASE"


def test_a_missing_file_is_refused() -> None:
    with pytest.raises(InvalidDefinition) as caught:
        load_form(FIXTURES, "no-such-schema.json")
    assert (caught.value.code, caught.value.file) == ("FORM_FILE_NOT_FOUND", "no-such-schema.json")


def test_a_file_over_the_size_cap_is_refused(tmp_path: Path) -> None:
    schema = {"type": "object", "description": "x" * 2000}
    (tmp_path / "big-schema.json").write_text(json.dumps(schema), encoding="utf-8")
    assert load_form(tmp_path, "big-schema.json", max_bytes=4000).title is None
    with pytest.raises(InvalidDefinition) as caught:
        load_form(tmp_path, "big-schema.json", max_bytes=1000)
    assert caught.value.code == "FORM_SOURCE_TOO_LARGE"


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    (tmp_path / "gbk-schema.json").write_bytes('{"type": "object", "title": "参保"}'.encode("gbk"))
    with pytest.raises(InvalidDefinition) as caught:
        load_form(tmp_path, "gbk-schema.json")
    assert caught.value.code == "FORM_NOT_UTF8"


@pytest.mark.parametrize("source", ['{"type": "string"}', "[]", '{"properties": {}}'])
def test_the_root_must_be_an_object_schema(source: str) -> None:
    with pytest.raises(InvalidDefinition) as caught:
        parse_form(source, filename="root-schema.json")
    assert caught.value.code == "FORM_ROOT_NOT_OBJECT"


def test_a_nested_id_is_refused() -> None:
    source = json.dumps(
        {"type": "object", "properties": {"a": {"$id": "https://example.com/a", "type": "string"}}}
    )
    with pytest.raises(InvalidDefinition) as caught:
        parse_form(source, filename="id-schema.json")
    assert (caught.value.code, caught.value.element) == ("FORM_NESTED_ID", "/properties/a")


def test_absurdly_deep_nesting_is_refused() -> None:
    inner: dict = {"type": "string"}
    for _ in range(100):
        inner = {"type": "object", "properties": {"a": inner}}
    with pytest.raises(InvalidDefinition) as caught:
        parse_form(json.dumps(inner), filename="deep-schema.json")
    assert caught.value.code == "FORM_TOO_DEEP"


def test_a_ui_schema_that_is_not_an_object_is_refused_naming_that_file() -> None:
    with pytest.raises(InvalidDefinition) as caught:
        parse_form(
            '{"type": "object"}',
            filename="a-schema.json",
            ui_schema_source="[]",
            ui_filename="a-uischema.json",
        )
    assert (caught.value.code, caught.value.file) == ("FORM_UI_SCHEMA_INVALID", "a-uischema.json")


def test_load_errors_can_be_described_to_designers_in_both_languages(registry: FormatRegistry) -> None:
    err = refusal("broken/remote-ref-schema.json", registry)
    zh = describe_code(err.code, err.params)
    en = describe_code(err.code, err.params, "en")
    assert "broken/remote-ref-schema.json" in zh and "/properties/employee" in zh
    assert en.startswith("Form file broken/remote-ref-schema.json refers outside itself")


def test_a_form_keeps_the_formats_it_was_loaded_with(registry: FormatRegistry) -> None:
    form = load_form(FIXTURES, "enrolment-schema.json", registry=registry)
    registry.register("resident-id", lambda value: [], replace=True)
    data = {"employee": {"name": "张三", "resident_id": "110105194912310021", "sex": "female"}}
    codes = [f.code for f in form.validate(data).errors]
    assert "RESIDENT_ID_CHECK_CHARACTER" in codes


@pytest.mark.parametrize("path", sorted(p.name for p in (FIXTURES / "broken").iterdir()))
def test_every_broken_fixture_is_refused_with_a_fully_rendered_message(
    registry: FormatRegistry, path: str
) -> None:
    err = refusal(f"broken/{path}", registry)
    for lang in ("zh", "en"):
        text = describe_code(err.code, err.params, lang)
        assert text != err.code and "{" not in text.replace('{"', ""), text
        assert f"broken/{path}" in text

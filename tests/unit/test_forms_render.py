"""Server-side HTML of forms: fields in UI-schema order, widgets, file hints, errors and kept values."""

from __future__ import annotations

import json
import re
from pathlib import Path

from werkzeug.datastructures import MultiDict

from forms import FormatRegistry, error, parse_form
from forms.posted import Reader, apply_row_action
from forms.render import RenderContext, ordered_keys, render_form

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"


def enrolment_form():  # type: ignore[no-untyped-def]
    from casework.form_formats import register_casework_formats

    return parse_form(
        (FIXTURES / "enrolment-schema.json").read_text(encoding="utf-8"),
        filename="enrolment-schema.json",
        ui_schema_source=(FIXTURES / "enrolment-uischema.json").read_text(encoding="utf-8"),
        registry=register_casework_formats(FormatRegistry()),
    )


def render(form, values=None, findings=(), **kw) -> str:  # type: ignore[no-untyped-def]
    return str(render_form(RenderContext(form=form, values=values or {}, findings=list(findings), **kw)))


def test_fields_follow_the_ui_order_and_nest_objects_in_fieldsets() -> None:
    html = render(enrolment_form())
    names = re.findall(r'name="([a-z_.]+)"', html)
    assert names.index("employee.name") < names.index("employer.credit_code") < names.index("start_month")
    assert '<legend>员工信息 <span class="required"' in html
    assert ordered_keys({"a": 1, "b": 2, "c": 3}, ["c", "*", "a"]) == ["c", "b", "a"]


def test_widgets_come_from_the_schema_types_and_formats() -> None:
    html = render(enrolment_form())
    assert re.search(r'<input type="month"[^>]*name="start_month"', html)
    assert re.search(r'<input type="date"[^>]*name="first_work_day"', html)
    assert re.search(r'<input type="number"[^>]*name="employee.monthly_wage"[^>]*step="any"[^>]*min="0"', html)
    assert '<option value="110000">北京</option>' in html  # enum with enumNames
    assert '<option value="male">男</option>' in html  # oneOf of consts
    assert 'placeholder="6222 …"' in html and "18 位，最后一位可能是 X" in html  # ui:placeholder, ui:help


def test_file_fields_show_accepted_types_and_the_size_limit() -> None:
    html = render(enrolment_form(), human_size=lambda n: f"{n // 1048576} MB")
    assert re.search(r'<input type="file"[^>]*name="id_card_photo"[^>]*accept="image/jpeg,image/png"', html)
    assert "Accepted: JPG, PNG" in html and "At most 2 MB" in html
    assert re.search(r'<input type="file"[^>]*name="other_documents"[^>]*multiple', html)


def test_errors_are_shown_at_their_field_and_values_are_kept() -> None:
    values = {"employee": {"name": "张", "mobile": "123"}, "start_month": "2026-13"}
    findings = [error("MIN_LENGTH", "employee.name", limit=2), error("YEAR_MONTH_INVALID", "start_month")]
    html = render(enrolment_form(), values, findings, describe=lambda f: f"[{f.code}]")
    name_field = html[max(0, html.index('name="employee.name"') - 300) : html.index("[MIN_LENGTH]")]
    assert 'value="张"' in name_field and "has-error" in name_field
    assert 'value="2026-13"' in html and "[YEAR_MONTH_INVALID]" in html
    assert 'value="123"' in html


def test_text_from_the_data_is_escaped() -> None:
    html = render(enrolment_form(), {"employee": {"name": '<script>alert("x")</script>'}})
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_kept_upload_shows_its_name_and_a_hidden_reference() -> None:
    ref = {"attachment_id": "a-1", "name": "身份证.png", "content_type": "image/png", "size": 2048}
    html = render(enrolment_form(), {"id_card_photo": ref}, file_url=lambda i: f"/files/{i}")
    assert '<input type="hidden" name="id_card_photo__keep" value="a-1">' in html
    assert '<a href="/files/a-1"' in html and "身份证.png" in html
    assert not re.search(r'<input type="file"[^>]*name="id_card_photo"[^>]*required', html)


def test_arrays_of_objects_render_rows_with_add_and_remove_buttons() -> None:
    html = render(enrolment_form(), {"dependants": [{"name": "小明", "relation": "child"}]})
    assert 'name="dependants.0.name"' in html and 'value="小明"' in html
    assert '<input type="hidden" name="dependants__count" value="1">' in html
    assert 'name="__add" value="dependants"' in html and 'name="__remove" value="dependants.0"' in html


def test_a_posted_form_reads_back_into_typed_data() -> None:
    form = parse_form(
        json.dumps(
            {
                "type": "object",
                "properties": {
                    "n": {"type": "integer"},
                    "x": {"type": "number"},
                    "ok": {"type": "boolean"},
                    "pick": {"type": "boolean", "oneOf": [{"const": True, "title": "是"}, {"const": False, "title": "否"}]},
                    "empty": {"type": "string"},
                    "rows": {"type": "array", "items": {"type": "object", "properties": {"a": {"type": "string"}}}},
                },
            }
        ),
        filename="t.json",
        registry=FormatRegistry(),
    )
    posted = MultiDict(
        [("n", "42"), ("x", "1.5"), ("ok", "false"), ("ok", "true"), ("pick", "false"), ("empty", "  "),
         ("rows__count", "2"), ("rows.0.a", "first"), ("rows.1.a", "")]
    )
    data = Reader(form, posted).read()
    assert data == {"n": 42, "x": 1.5, "ok": True, "pick": False, "rows": [{"a": "first"}]}
    assert form.validate(data).ok


def rows_form():  # type: ignore[no-untyped-def]
    schema = {"type": "object", "properties": {"rows": {"type": "array", "items": {"type": "object", "properties": {"a": {"type": "string"}}}}}}
    return parse_form(json.dumps(schema), filename="rows.json", registry=FormatRegistry())


def test_the_add_and_remove_buttons_change_the_rows() -> None:
    data = {"rows": [{"a": "x"}]}
    assert apply_row_action(data, MultiDict([("__add", "rows")])) and data == {"rows": [{"a": "x"}, {}]}
    assert apply_row_action(data, MultiDict([("__remove", "rows.0")])) and data == {"rows": [{}]}
    assert not apply_row_action(data, MultiDict()) and data == {"rows": [{}]}


def test_a_hand_made_button_value_cannot_grow_a_list_or_break_the_form() -> None:
    form = rows_form()
    posted = MultiDict([("rows__count", "1"), ("rows.0.a", "x"), ("__add", "rows.99999999.a")])
    data = Reader(form, posted).read()
    apply_row_action(data, posted)
    assert data == {"rows": [{"a": "x"}]}
    for value in ("rows.x.a", "rows.0.a.b", "rows.0.a"):
        data = {"rows": [{"a": "x"}]}
        apply_row_action(data, MultiDict([("__add", value)]))
        assert len(data["rows"]) == 1

"""Server-side HTML of a form: fields from the JSON Schema, shown as the UI schema says.

The HTML posts as ordinary (multipart) form fields named by dotted data paths (``employee.name``,
``dependants.0.relation``, see :mod:`forms.fields`); :mod:`forms.posted` turns them back into JSON
data. Texts the schema does not give (buttons, size hints) and the texts of findings come from the
caller, so this package knows no language. Everything taken from the schema, the UI schema or the
data is escaped.

Supported: objects (fieldsets), strings (text, textarea, date, month, email, password, hidden),
numbers and integers, booleans (checkbox), choices (``enum`` + ``enumNames`` or ``oneOf`` of
``const``; select or radio), arrays of objects or of simple values (rows with add/remove buttons that
post back), file fields and arrays of file fields (accept and size hints, the current file kept).
UI schema: ``ui:order`` (with ``*``), ``ui:widget``, ``ui:help``, ``ui:placeholder``, ``ui:title``,
``ui:readonly``, ``ui:disabled``, ``ui:autofocus``, ``ui:options.accept``, ``ui:options.rows``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from forms.fields import ADD_ACTION, COUNT_SUFFIX, KEEP_SUFFIX, REMOVE_ACTION, kind, resolve, value_text
from forms.markup import RenderContext, dotted, findings_list, help_text, required_mark, title_of
from forms.widgets import file_field, scalar_field

__all__ = ["ADD_ACTION", "COUNT_SUFFIX", "KEEP_SUFFIX", "REMOVE_ACTION", "RenderContext", "ordered_keys", "render_form"]


def render_form(ctx: RenderContext) -> Markup:
    """The HTML of every field of ``ctx.form`` (without the ``<form>`` element and buttons)."""
    schema = ctx.form.schema
    ui = ctx.form.ui_schema or {}
    top = [f for f in ctx.findings if f.field == "" or f.code == "ADDITIONAL_PROPERTY"]
    values = ctx.values if isinstance(ctx.values, Mapping) else {}
    return findings_list(ctx, top, "form-errors") + _object_fields(ctx, schema, ui, (), values)


def ordered_keys(properties: Mapping[str, Any], order: Any) -> list[str]:
    """Property names in ``ui:order`` order (``*`` stands for the ones not named)."""
    names = list(properties)
    if not isinstance(order, list) or not order:
        return names
    named = [n for n in order if n in properties]
    rest = [n for n in names if n not in named]
    out: list[str] = []
    for item in order:
        if item == "*":
            out.extend(rest)
        elif item in properties and item not in out:
            out.append(item)
    if "*" not in order:
        out.extend(rest)
    return out


def _object_fields(
    ctx: RenderContext, schema: Mapping[str, Any], ui: Mapping[str, Any], path: tuple[str, ...], values: Mapping[str, Any]
) -> Markup:
    schema = resolve(ctx.form, schema)
    props = schema.get("properties") if isinstance(schema.get("properties"), Mapping) else {}
    required = set(schema.get("required") or [])
    parts = []
    for name in ordered_keys(props, ui.get("ui:order")):
        sub_ui = ui.get(name) if isinstance(ui.get(name), Mapping) else {}
        parts.append(_field(ctx, props[name], sub_ui, (*path, name), values.get(name), name in required))
    return Markup("").join(parts)


def _field(
    ctx: RenderContext, schema: Mapping[str, Any], ui: Mapping[str, Any], path: tuple[str, ...], value: Any, required: bool
) -> Markup:
    schema = resolve(ctx.form, schema)
    if ui.get("ui:widget") == "hidden":
        return Markup('<input type="hidden" name="{}" value="{}">').format(dotted(path), value_text(value))
    if schema.get("format") == "file":
        return file_field(ctx, schema, ui, path, value, required, multiple=False)
    field_kind = kind(schema)
    if field_kind == "object":
        return _fieldset(ctx, schema, ui, path, value if isinstance(value, Mapping) else {}, required)
    if field_kind == "array":
        items = schema.get("items")
        if not isinstance(items, Mapping):
            return Markup("")
        items = resolve(ctx.form, items)
        if items.get("format") == "file":
            return file_field(ctx, items, ui, path, value, required, multiple=True, array_schema=schema)
        return _array(ctx, schema, items, ui, path, value if isinstance(value, list) else [], required)
    return scalar_field(ctx, schema, ui, path, value, required, field_kind)


def _fieldset(
    ctx: RenderContext, schema: Mapping[str, Any], ui: Mapping[str, Any], path: tuple[str, ...], values: Mapping[str, Any], required: bool
) -> Markup:
    html_id = ctx.html_id(path)
    return Markup(
        '<fieldset class="form-group" id="{id}"><legend>{legend}{req}</legend>{help}{errors}{body}</fieldset>'
    ).format(
        id=html_id,
        legend=title_of(schema, ui, path[-1] if path else ""),
        req=required_mark(ctx, required),
        help=help_text(schema, ui, html_id),
        errors=findings_list(ctx, ctx.findings_at(dotted(path))),
        body=_object_fields(ctx, schema, ui, path, values),
    )


def _array(
    ctx: RenderContext,
    schema: Mapping[str, Any],
    items: Mapping[str, Any],
    ui: Mapping[str, Any],
    path: tuple[str, ...],
    values: list[Any],
    required: bool,
) -> Markup:
    html_id = ctx.html_id(path)
    item_ui = ui.get("items") if isinstance(ui.get("items"), Mapping) else {}
    count = max(len(values), int(schema.get("minItems") or 0))
    max_items = schema.get("maxItems")
    rows = [_array_row(ctx, items, item_ui, path, i, values[i] if i < len(values) else None) for i in range(count)]
    can_add = not isinstance(max_items, int) or count < max_items
    add = (
        Markup('<button type="submit" class="secondary" name="{action}" value="{path}" formnovalidate>+ {text}</button>').format(
            action=ADD_ACTION, path=dotted(path), text=ctx.text("add")
        )
        if can_add
        else Markup("")
    )
    return Markup(
        '<fieldset class="form-group array" id="{id}" data-count="{count}"><legend>{legend}{req}</legend>{help}{errors}'
        '<input type="hidden" name="{name}{suffix}" value="{count}">{rows}{add}</fieldset>'
    ).format(
        id=html_id,
        count=count,
        name=dotted(path),
        suffix=COUNT_SUFFIX,
        legend=title_of(schema, ui, path[-1]),
        req=required_mark(ctx, required),
        help=help_text(schema, ui, html_id),
        errors=findings_list(ctx, ctx.findings_at(dotted(path))),
        rows=Markup("").join(rows),
        add=add,
    )


def _array_row(ctx: RenderContext, items: Mapping[str, Any], item_ui: Mapping[str, Any], path: tuple[str, ...], i: int, value: Any) -> Markup:
    row_path = (*path, str(i))
    item_title = items.get("title") or ctx.text("item", n=i + 1)
    body = (
        _object_fields(ctx, items, item_ui, row_path, value if isinstance(value, Mapping) else {})
        if kind(items) == "object"
        else scalar_field(ctx, {**items, "title": item_title}, item_ui, row_path, value, False, kind(items))
    )
    remove = Markup(
        '<button type="submit" class="link-button" name="{action}" value="{path}" formnovalidate>{text}</button>'
    ).format(action=REMOVE_ACTION, path=dotted(row_path), text=ctx.text("remove"))
    return Markup('<div class="array-item"><div class="array-item-head"><span>{title}</span>{remove}</div>{errors}{body}</div>').format(
        title=f"{item_title} {i + 1}" if items.get("title") else item_title,
        remove=remove,
        errors=findings_list(ctx, ctx.findings_at(dotted(row_path))),
        body=body,
    )

"""Server-side HTML of a form: fields from the JSON Schema, shown as the UI schema says.

The HTML posts as ordinary (multipart) form fields named by dotted data paths (``employee.name``,
``dependants.0.relation``); the web layer turns them back into JSON data. Texts the schema does not
give (buttons, size hints) and the texts of findings come from the caller, so this module knows no
language. Everything taken from the schema, the UI schema or the data is escaped.

Supported: objects (fieldsets), strings (text, textarea, date, month, email, password, hidden),
numbers and integers, booleans (checkbox), choices (``enum`` + ``enumNames`` or ``oneOf`` of
``const``; select or radio), arrays of objects or of simple values (rows with add/remove buttons that
post back), file fields and arrays of file fields (accept and size hints, the current file kept).
UI schema: ``ui:order`` (with ``*``), ``ui:widget``, ``ui:help``, ``ui:placeholder``, ``ui:title``,
``ui:readonly``, ``ui:disabled``, ``ui:autofocus``, ``ui:options.accept``, ``ui:options.rows``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from forms.findings import Finding
from forms.form import Form

ADD_ACTION = "__add"
REMOVE_ACTION = "__remove"
KEEP_SUFFIX = "__keep"  # hidden input keeping an attachment already uploaded to a file field
COUNT_SUFFIX = "__count"  # hidden input telling how many rows an array field showed

DEFAULT_TEXTS = {
    "add": "Add",
    "remove": "Remove",
    "required": "required",
    "accept": "Accepted: {types}",
    "max_size": "At most {size}",
    "current_file": "Uploaded: {name}",
    "replace_file": "Choose another file to replace it",
    "choose": "— choose —",
    "item": "Item {n}",
    "yes": "Yes",
}

TYPE_LABELS = {
    "image/jpeg": "JPG",
    "image/png": "PNG",
    "image/*": "image",
    "application/pdf": "PDF",
}


@dataclass
class RenderContext:
    """What rendering needs besides the schema: values, findings, texts and file links."""

    form: Form
    values: Mapping[str, Any]
    findings: Sequence[Finding] = ()
    describe: Callable[[Finding], str] = lambda f: f.code
    texts: Mapping[str, str] = field(default_factory=dict)
    file_url: Callable[[str], str] | None = None
    human_size: Callable[[int], str] = lambda n: f"{n} B"
    id_prefix: str = "f-"

    def text(self, key: str, **params: Any) -> str:
        template = self.texts.get(key) or DEFAULT_TEXTS[key]
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            return template

    def findings_at(self, path: str) -> list[Finding]:
        return [f for f in self.findings if f.field == path]


def render_form(ctx: RenderContext) -> Markup:
    """The HTML of every field of ``ctx.form`` (without the ``<form>`` element and buttons)."""
    schema = ctx.form.schema
    ui = ctx.form.ui_schema or {}
    top = [f for f in ctx.findings if f.field == "" or f.code == "ADDITIONAL_PROPERTY"]
    parts = []
    if top:
        parts.append(_errors(ctx, top, "form-errors"))
    parts.append(_object_fields(ctx, schema, ui, (), ctx.values if isinstance(ctx.values, Mapping) else {}))
    return Markup("").join(parts)


# -- helpers ------------------------------------------------------------------------------------------


def _resolve(ctx: RenderContext, schema: Mapping[str, Any]) -> Mapping[str, Any]:
    seen = 0
    while isinstance(schema.get("$ref"), str) and seen < 10:
        target = ctx.form.resolve(schema["$ref"])
        merged = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        schema = merged
        seen += 1
    return schema


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


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(path)


def _html_id(ctx: RenderContext, path: tuple[str, ...]) -> str:
    return ctx.id_prefix + "-".join(path).replace(" ", "_")


def _errors(ctx: RenderContext, findings: Sequence[Finding], cls: str = "field-errors") -> Markup:
    items = Markup("").join(
        Markup('<li class="finding-{sev}">{text}</li>').format(sev=f.severity, text=ctx.describe(f)) for f in findings
    )
    return Markup('<ul class="{cls}" role="alert">{items}</ul>').format(cls=cls, items=items)


def _title(schema: Mapping[str, Any], ui: Mapping[str, Any], name: str) -> str:
    title = ui.get("ui:title") or schema.get("title")
    return str(title) if title else name


def _help(schema: Mapping[str, Any], ui: Mapping[str, Any], html_id: str) -> Markup:
    help_text = ui.get("ui:help") or schema.get("description")
    if not help_text:
        return Markup("")
    return Markup('<p class="help" id="{id}-help">{text}</p>').format(id=html_id, text=str(help_text))


def _choices(schema: Mapping[str, Any]) -> list[tuple[Any, str]] | None:
    if isinstance(schema.get("enum"), list):
        labels = schema.get("enumNames") if isinstance(schema.get("enumNames"), list) else None
        return [
            (v, str(labels[i]) if labels and i < len(labels) else str(v)) for i, v in enumerate(schema["enum"])
        ]
    for key in ("oneOf", "anyOf"):
        options = schema.get(key)
        if isinstance(options, list) and options and all(isinstance(o, Mapping) and "const" in o for o in options):
            return [(o["const"], str(o.get("title", o["const"]))) for o in options]
    return None


def _type(schema: Mapping[str, Any]) -> str | None:
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    return t if isinstance(t, str) else None


def _value_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _attrs(**attrs: Any) -> Markup:
    out = []
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        if value is True:
            out.append(Markup(" {}").format(name))
        else:
            out.append(Markup(' {}="{}"').format(name, _value_text(value)))
    return Markup("").join(out)


# -- objects ------------------------------------------------------------------------------------------


def _object_fields(
    ctx: RenderContext, schema: Mapping[str, Any], ui: Mapping[str, Any], path: tuple[str, ...], values: Mapping[str, Any]
) -> Markup:
    schema = _resolve(ctx, schema)
    props = schema.get("properties") if isinstance(schema.get("properties"), Mapping) else {}
    required = set(schema.get("required") or [])
    parts = []
    for name in ordered_keys(props, ui.get("ui:order")):
        sub = props[name]
        sub_ui = ui.get(name) if isinstance(ui.get(name), Mapping) else {}
        parts.append(_field(ctx, sub, sub_ui, (*path, name), values.get(name), name in required))
    return Markup("").join(parts)


def _field(
    ctx: RenderContext, schema: Mapping[str, Any], ui: Mapping[str, Any], path: tuple[str, ...], value: Any, required: bool
) -> Markup:
    schema = _resolve(ctx, schema)
    widget = ui.get("ui:widget")
    if widget == "hidden":
        return Markup('<input type="hidden" name="{}" value="{}">').format(_dotted(path), _value_text(value))
    if schema.get("format") == "file":
        return _file_field(ctx, schema, ui, path, value, required, multiple=False)
    kind = _type(schema)
    if kind == "object" or (kind is None and isinstance(schema.get("properties"), Mapping)):
        return _fieldset(ctx, schema, ui, path, value if isinstance(value, Mapping) else {}, required)
    if kind == "array":
        items = schema.get("items")
        if isinstance(items, Mapping):
            items = _resolve(ctx, items)
            if items.get("format") == "file":
                return _file_field(ctx, items, ui, path, value, required, multiple=True, array_schema=schema)
            return _array(ctx, schema, items, ui, path, value if isinstance(value, list) else [], required)
        return Markup("")
    return _scalar(ctx, schema, ui, path, value, required, kind)


def _fieldset(
    ctx: RenderContext, schema: Mapping[str, Any], ui: Mapping[str, Any], path: tuple[str, ...], values: Mapping[str, Any], required: bool
) -> Markup:
    html_id = _html_id(ctx, path)
    legend = _title(schema, ui, path[-1] if path else "")
    own = ctx.findings_at(_dotted(path))
    return Markup(
        '<fieldset class="form-group" id="{id}"><legend>{legend}{req}</legend>{help}{errors}{body}</fieldset>'
    ).format(
        id=html_id,
        legend=legend,
        req=_required_mark(ctx, required),
        help=_help(schema, ui, html_id),
        errors=_errors(ctx, own) if own else Markup(""),
        body=_object_fields(ctx, schema, ui, path, values),
    )


def _required_mark(ctx: RenderContext, required: bool) -> Markup:
    if not required:
        return Markup("")
    return Markup(' <span class="required" title="{t}">*</span>').format(t=ctx.text("required"))


# -- arrays -------------------------------------------------------------------------------------------


def _array(
    ctx: RenderContext,
    schema: Mapping[str, Any],
    items: Mapping[str, Any],
    ui: Mapping[str, Any],
    path: tuple[str, ...],
    values: list[Any],
    required: bool,
) -> Markup:
    html_id = _html_id(ctx, path)
    item_ui = ui.get("items") if isinstance(ui.get("items"), Mapping) else {}
    count = max(len(values), int(schema.get("minItems") or 0))
    max_items = schema.get("maxItems")
    rows = []
    for i in range(count):
        item_value = values[i] if i < len(values) else None
        row_path = (*path, str(i))
        item_title = items.get("title") or ctx.text("item", n=i + 1)
        body = (
            _object_fields(ctx, items, item_ui, row_path, item_value if isinstance(item_value, Mapping) else {})
            if _type(items) == "object" or isinstance(items.get("properties"), Mapping)
            else _scalar(ctx, {**items, "title": item_title}, item_ui, row_path, item_value, False, _type(items))
        )
        own = ctx.findings_at(_dotted(row_path))
        remove = Markup(
            '<button type="submit" class="link-button" name="{action}" value="{path}" formnovalidate>{text}</button>'
        ).format(action=REMOVE_ACTION, path=_dotted(row_path), text=ctx.text("remove"))
        rows.append(
            Markup('<div class="array-item"><div class="array-item-head"><span>{title}</span>{remove}</div>{errors}{body}</div>').format(
                title=f"{item_title} {i + 1}" if items.get("title") else item_title,
                remove=remove,
                errors=_errors(ctx, own) if own else Markup(""),
                body=body,
            )
        )
    can_add = not isinstance(max_items, int) or count < max_items
    add = (
        Markup('<button type="submit" class="secondary" name="{action}" value="{path}" formnovalidate>+ {text}</button>').format(
            action=ADD_ACTION, path=_dotted(path), text=ctx.text("add")
        )
        if can_add
        else Markup("")
    )
    own = ctx.findings_at(_dotted(path))
    return Markup(
        '<fieldset class="form-group array" id="{id}" data-count="{count}"><legend>{legend}{req}</legend>{help}{errors}'
        '<input type="hidden" name="{name}{suffix}" value="{count}">{rows}{add}</fieldset>'
    ).format(
        id=html_id,
        count=count,
        name=_dotted(path),
        suffix=COUNT_SUFFIX,
        legend=_title(schema, ui, path[-1]),
        req=_required_mark(ctx, required),
        help=_help(schema, ui, html_id),
        errors=_errors(ctx, own) if own else Markup(""),
        rows=Markup("").join(rows),
        add=add,
    )


# -- simple fields ------------------------------------------------------------------------------------

_FORMAT_INPUT = {"date": "date", "year-month": "month", "email": "email", "date-time": "text"}


def _scalar(
    ctx: RenderContext, schema: Mapping[str, Any], ui: Mapping[str, Any], path: tuple[str, ...], value: Any, required: bool, kind: str | None
) -> Markup:
    name = _dotted(path)
    html_id = _html_id(ctx, path)
    own = ctx.findings_at(name)
    if value is None and "default" in schema:
        value = schema["default"]
    readonly = bool(ui.get("ui:readonly") or schema.get("readOnly"))
    disabled = bool(ui.get("ui:disabled"))
    common = {
        "id": html_id,
        "name": name,
        "required": required,
        "readonly": readonly,
        "disabled": disabled,
        "autofocus": bool(ui.get("ui:autofocus")),
        "aria_invalid": "true" if any(f.severity == "error" for f in own) else None,
        "aria_describedby": f"{html_id}-help" if (ui.get("ui:help") or schema.get("description")) else None,
    }
    choices = _choices(schema)
    widget = ui.get("ui:widget")
    label_text = _title(schema, ui, path[-1] if path else "")
    if kind == "boolean" and not choices:
        control = Markup('<input type="hidden" name="{name}" value="false"><input type="checkbox" value="true"{attrs}>').format(
            name=name, attrs=_attrs(**{**common, "required": False, "checked": value is True})
        )
        return Markup('<div class="field checkbox{err}"><label>{control} {label}{req}</label>{help}{errors}</div>').format(
            err=" has-error" if own else "",
            control=control,
            label=label_text,
            req=_required_mark(ctx, required),
            help=_help(schema, ui, html_id),
            errors=_errors(ctx, own) if own else Markup(""),
        )
    if choices is not None and widget == "radio":
        radios = Markup("").join(
            Markup('<label class="radio"><input type="radio" name="{name}" value="{v}"{checked}{req}> {label}</label>').format(
                name=name,
                v=_value_text(v),
                checked=Markup(" checked") if _value_text(v) == _value_text(value) and value is not None else Markup(""),
                req=Markup(" required") if required else Markup(""),
                label=label,
            )
            for v, label in choices
        )
        return Markup(
            '<fieldset class="field radios{err}" id="{id}"><legend>{label}{req}</legend>{radios}{help}{errors}</fieldset>'
        ).format(
            err=" has-error" if own else "",
            id=html_id,
            label=label_text,
            req=_required_mark(ctx, required),
            radios=radios,
            help=_help(schema, ui, html_id),
            errors=_errors(ctx, own) if own else Markup(""),
        )
    if choices is not None:
        options = [Markup('<option value="">{}</option>').format(ctx.text("choose"))]
        for v, label in choices:
            selected = value is not None and _value_text(v) == _value_text(value)
            options.append(
                Markup('<option value="{v}"{sel}>{label}</option>').format(
                    v=_value_text(v), sel=Markup(" selected") if selected else Markup(""), label=label
                )
            )
        control = Markup("<select{attrs}>{options}</select>").format(attrs=_attrs(**common), options=Markup("").join(options))
    elif widget == "textarea":
        rows = (ui.get("ui:options") or {}).get("rows", 4) if isinstance(ui.get("ui:options"), Mapping) else 4
        control = Markup("<textarea{attrs}>{value}</textarea>").format(
            attrs=_attrs(**common, rows=rows, maxlength=schema.get("maxLength"), placeholder=ui.get("ui:placeholder")),
            value=_value_text(value),
        )
    else:
        if kind in ("number", "integer"):
            input_type = "number"
            extra = {
                "step": "1" if kind == "integer" else "any",
                "min": schema.get("minimum"),
                "max": schema.get("maximum"),
                "inputmode": "numeric" if kind == "integer" else "decimal",
            }
        else:
            input_type = "password" if widget == "password" else _FORMAT_INPUT.get(str(schema.get("format")), "text")
            extra = {"maxlength": schema.get("maxLength"), "minlength": schema.get("minLength")}
        control = Markup("<input{attrs}>").format(
            attrs=_attrs(type=input_type, value=_value_text(value), placeholder=ui.get("ui:placeholder"), **common, **extra)
        )
    return Markup('<div class="field{err}"><label for="{id}">{label}{req}</label>{control}{help}{errors}</div>').format(
        err=" has-error" if own else "",
        id=html_id,
        label=label_text,
        req=_required_mark(ctx, required),
        control=control,
        help=_help(schema, ui, html_id),
        errors=_errors(ctx, own) if own else Markup(""),
    )


# -- files --------------------------------------------------------------------------------------------


def _accept_list(schema: Mapping[str, Any], ui: Mapping[str, Any]) -> list[str]:
    options = ui.get("ui:options") if isinstance(ui.get("ui:options"), Mapping) else {}
    if isinstance(options.get("accept"), str):
        return [a.strip() for a in options["accept"].split(",") if a.strip()]
    accept = schema.get("x-accept")
    return [str(a) for a in accept] if isinstance(accept, list) else []


def _file_field(
    ctx: RenderContext,
    schema: Mapping[str, Any],
    ui: Mapping[str, Any],
    path: tuple[str, ...],
    value: Any,
    required: bool,
    *,
    multiple: bool,
    array_schema: Mapping[str, Any] | None = None,
) -> Markup:
    from forms.files import DEFAULT_MAX_BYTES

    name = _dotted(path)
    html_id = _html_id(ctx, path)
    accept = _accept_list(schema, ui)
    max_bytes = int(schema.get("x-max-bytes", DEFAULT_MAX_BYTES))
    own = [f for f in ctx.findings if f.field == name or f.field.startswith(name + ".")]
    hints = [ctx.text("max_size", size=ctx.human_size(max_bytes))]
    if accept:
        hints.insert(0, ctx.text("accept", types=", ".join(TYPE_LABELS.get(a, a) for a in accept)))
    current = [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, Mapping) and v.get("attachment_id")]
    kept = []
    for ref in current:
        link: Markup | str = str(ref.get("name") or "")
        if ctx.file_url is not None:
            link = Markup('<a href="{url}" target="_blank" rel="noopener">{name}</a>').format(
                url=ctx.file_url(str(ref["attachment_id"])), name=str(ref.get("name") or "")
            )
        keep = Markup('<input type="hidden" name="{name}{suffix}" value="{id}">').format(
            name=name, suffix=KEEP_SUFFIX, id=str(ref["attachment_id"])
        )
        remove = (
            Markup(
                ' <button type="submit" class="link-button" name="{action}" value="{name}:{id}" formnovalidate>{text}</button>'
            ).format(action=REMOVE_ACTION, name=name, id=str(ref["attachment_id"]), text=ctx.text("remove"))
            if multiple
            else Markup("")
        )
        size = ctx.human_size(int(ref["size"])) if isinstance(ref.get("size"), int) else ""
        kept.append(
            Markup('<li class="current-file">{keep}{text} <span class="muted">{size}</span>{remove}</li>').format(
                keep=keep,
                text=escape(ctx.text("current_file", name="\x00")).replace("\x00", escape(link)),
                size=size,
                remove=remove,
            )
        )
    control = Markup("<input{attrs}>").format(
        attrs=_attrs(
            type="file",
            id=html_id,
            name=name,
            accept=",".join(accept) if accept else None,
            multiple=multiple,
            required=required and not current,
            data_max_bytes=max_bytes,
            aria_describedby=f"{html_id}-hint",
        )
    )
    title_schema = array_schema or schema
    return Markup(
        '<div class="field file{err}"><label for="{id}">{label}{req}</label>{help}{kept}{control}'
        '<p class="hint" id="{id}-hint">{hints}</p>{replace}{errors}</div>'
    ).format(
        err=" has-error" if own else "",
        id=html_id,
        label=_title(title_schema, ui, path[-1] if path else ""),
        req=_required_mark(ctx, required),
        help=_help(title_schema, ui, html_id),
        kept=Markup('<ul class="files">{}</ul>').format(Markup("").join(kept)) if kept else Markup(""),
        control=control,
        hints=" · ".join(hints),
        replace=Markup('<p class="hint">{}</p>').format(ctx.text("replace_file")) if current and not multiple else Markup(""),
        errors=_errors(ctx, own) if own else Markup(""),
    )

"""The controls of single fields: text, numbers, dates, choices (select or radio), checkboxes, and file
fields with their accept and size hints and the files already kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from forms.fields import KEEP_SUFFIX, REMOVE_ACTION, choices, value_text
from forms.files import DEFAULT_MAX_BYTES
from forms.markup import (
    RenderContext,
    attrs,
    dotted,
    findings_list,
    has_help,
    help_text,
    required_mark,
    title_of,
    wrap_field,
)

TYPE_LABELS = {
    "image/jpeg": "JPG",
    "image/png": "PNG",
    "image/*": "image",
    "application/pdf": "PDF",
}
_FORMAT_INPUT = {"date": "date", "year-month": "month", "email": "email", "date-time": "text"}


def scalar_field(
    ctx: RenderContext, schema: Mapping[str, Any], ui: Mapping[str, Any], path: tuple[str, ...], value: Any, required: bool, kind: str | None
) -> Markup:
    """A field holding one value: checkbox, radio buttons, select, textarea or input."""
    name = dotted(path)
    html_id = ctx.html_id(path)
    own = ctx.findings_at(name)
    if value is None and "default" in schema:
        value = schema["default"]
    common = {
        "id": html_id,
        "name": name,
        "required": required,
        "readonly": bool(ui.get("ui:readonly") or schema.get("readOnly")),
        "disabled": bool(ui.get("ui:disabled")),
        "autofocus": bool(ui.get("ui:autofocus")),
        "aria_invalid": "true" if any(f.severity == "error" for f in own) else None,
        "aria_describedby": f"{html_id}-help" if has_help(schema, ui) else None,
    }
    options = choices(schema)
    widget = ui.get("ui:widget")
    label = title_of(schema, ui, path[-1] if path else "")
    if kind == "boolean" and options is None:
        control = Markup('<input type="hidden" name="{name}" value="false"><input type="checkbox" value="true"{attrs}>').format(
            name=name, attrs=attrs(**{**common, "required": False, "checked": value is True})
        )
        return Markup('<div class="field checkbox{err}"><label>{control} {label}{req}</label>{help}{errors}</div>').format(
            err=" has-error" if own else "",
            control=control,
            label=label,
            req=required_mark(ctx, required),
            help=help_text(schema, ui, html_id),
            errors=findings_list(ctx, own),
        )
    if options is not None and widget == "radio":
        return _radios(ctx, schema, ui, path, value, required, options)
    if options is not None:
        items = [Markup('<option value="">{}</option>').format(ctx.text("choose"))]
        for v, text in options:
            selected = value is not None and value_text(v) == value_text(value)
            items.append(
                Markup('<option value="{v}"{sel}>{label}</option>').format(
                    v=value_text(v), sel=Markup(" selected") if selected else Markup(""), label=text
                )
            )
        control = Markup("<select{attrs}>{options}</select>").format(attrs=attrs(**common), options=Markup("").join(items))
    elif widget == "textarea":
        rows = (ui.get("ui:options") or {}).get("rows", 4) if isinstance(ui.get("ui:options"), Mapping) else 4
        control = Markup("<textarea{attrs}>{value}</textarea>").format(
            attrs=attrs(**common, rows=rows, maxlength=schema.get("maxLength"), placeholder=ui.get("ui:placeholder")),
            value=value_text(value),
        )
    else:
        control = Markup("<input{attrs}>").format(attrs=_input_attrs(schema, ui, value, kind, common))
    return wrap_field(ctx, schema, ui, path, required, control + help_text(schema, ui, html_id), findings=own)


def _input_attrs(schema: Mapping[str, Any], ui: Mapping[str, Any], value: Any, kind: str | None, common: dict[str, Any]) -> Markup:
    if kind in ("number", "integer"):
        input_type = "number"
        extra = {
            "step": "1" if kind == "integer" else "any",
            "min": schema.get("minimum"),
            "max": schema.get("maximum"),
            "inputmode": "numeric" if kind == "integer" else "decimal",
        }
    else:
        input_type = "password" if ui.get("ui:widget") == "password" else _FORMAT_INPUT.get(str(schema.get("format")), "text")
        extra = {"maxlength": schema.get("maxLength"), "minlength": schema.get("minLength")}
    return attrs(type=input_type, value=value_text(value), placeholder=ui.get("ui:placeholder"), **common, **extra)


def _radios(
    ctx: RenderContext,
    schema: Mapping[str, Any],
    ui: Mapping[str, Any],
    path: tuple[str, ...],
    value: Any,
    required: bool,
    options: list[tuple[Any, str]],
) -> Markup:
    name = dotted(path)
    html_id = ctx.html_id(path)
    own = ctx.findings_at(name)
    radios = Markup("").join(
        Markup('<label class="radio"><input type="radio" name="{name}" value="{v}"{checked}{req}> {label}</label>').format(
            name=name,
            v=value_text(v),
            checked=Markup(" checked") if value is not None and value_text(v) == value_text(value) else Markup(""),
            req=Markup(" required") if required else Markup(""),
            label=text,
        )
        for v, text in options
    )
    return Markup(
        '<fieldset class="field radios{err}" id="{id}"><legend>{label}{req}</legend>{radios}{help}{errors}</fieldset>'
    ).format(
        err=" has-error" if own else "",
        id=html_id,
        label=title_of(schema, ui, path[-1] if path else ""),
        req=required_mark(ctx, required),
        radios=radios,
        help=help_text(schema, ui, html_id),
        errors=findings_list(ctx, own),
    )


# -- files --------------------------------------------------------------------------------------------


def _accept_list(schema: Mapping[str, Any], ui: Mapping[str, Any]) -> list[str]:
    options = ui.get("ui:options") if isinstance(ui.get("ui:options"), Mapping) else {}
    if isinstance(options.get("accept"), str):
        return [a.strip() for a in options["accept"].split(",") if a.strip()]
    accept = schema.get("x-accept")
    return [str(a) for a in accept] if isinstance(accept, list) else []


def _kept_file(ctx: RenderContext, name: str, ref: Mapping[str, Any], multiple: bool) -> Markup:
    """One file already stored for the field: a link, its size, the hidden reference that keeps it."""
    attachment_id = str(ref["attachment_id"])
    link: Markup | str = str(ref.get("name") or "")
    if ctx.file_url is not None:
        link = Markup('<a href="{url}" target="_blank" rel="noopener">{name}</a>').format(
            url=ctx.file_url(attachment_id), name=str(ref.get("name") or "")
        )
    keep = Markup('<input type="hidden" name="{name}{suffix}" value="{id}">').format(name=name, suffix=KEEP_SUFFIX, id=attachment_id)
    remove = (
        Markup(' <button type="submit" class="link-button" name="{action}" value="{name}:{id}" formnovalidate>{text}</button>').format(
            action=REMOVE_ACTION, name=name, id=attachment_id, text=ctx.text("remove")
        )
        if multiple
        else Markup("")
    )
    size = ctx.human_size(int(ref["size"])) if isinstance(ref.get("size"), int) else ""
    return Markup('<li class="current-file">{keep}{text} <span class="muted">{size}</span>{remove}</li>').format(
        keep=keep,
        text=escape(ctx.text("current_file", name="\x00")).replace("\x00", escape(link)),
        size=size,
        remove=remove,
    )


def file_field(
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
    """A file input (several files for an array of file fields) with its hints and the files kept."""
    name = dotted(path)
    html_id = ctx.html_id(path)
    accept = _accept_list(schema, ui)
    max_bytes = int(schema.get("x-max-bytes", DEFAULT_MAX_BYTES))
    own = [f for f in ctx.findings if f.field == name or f.field.startswith(name + ".")]
    hints = [ctx.text("max_size", size=ctx.human_size(max_bytes))]
    if accept:
        hints.insert(0, ctx.text("accept", types=", ".join(TYPE_LABELS.get(a, a) for a in accept)))
    current = [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, Mapping) and v.get("attachment_id")]
    kept = [_kept_file(ctx, name, ref, multiple) for ref in current]
    control = Markup("<input{attrs}>").format(
        attrs=attrs(
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
    body = Markup('{help}{kept}{control}<p class="hint" id="{id}-hint">{hints}</p>{replace}').format(
        help=help_text(title_schema, ui, html_id),
        kept=Markup('<ul class="files">{}</ul>').format(Markup("").join(kept)) if kept else Markup(""),
        control=control,
        id=html_id,
        hints=" · ".join(hints),
        replace=Markup('<p class="hint">{}</p>').format(ctx.text("replace_file")) if current and not multiple else Markup(""),
    )
    return wrap_field(ctx, title_schema, ui, path, required, body, cls="file", findings=own)

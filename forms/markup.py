"""Building blocks of a rendered form: what rendering needs besides the schema, and small escaped
HTML pieces (attributes, titles, help texts, finding lists, the wrapper of one field)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from forms.fields import value_text
from forms.findings import Finding
from forms.form import Form

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
        """The caller's text for ``key`` (else the English default) with ``params`` filled in."""
        template = self.texts.get(key) or DEFAULT_TEXTS[key]
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            return template

    def findings_at(self, path: str) -> list[Finding]:
        """The findings about exactly the field at the dotted ``path``."""
        return [f for f in self.findings if f.field == path]

    def html_id(self, path: tuple[str, ...]) -> str:
        """The HTML id of the field at ``path``."""
        return self.id_prefix + "-".join(path).replace(" ", "_")


def dotted(path: tuple[str, ...]) -> str:
    """The posted name of the field at ``path``."""
    return ".".join(path)


def attrs(**attributes: Any) -> Markup:
    """HTML attributes (``_`` becomes ``-``; None and False left out, True written bare), escaped."""
    out = []
    for key, value in attributes.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        if value is True:
            out.append(Markup(" {}").format(name))
        else:
            out.append(Markup(' {}="{}"').format(name, value_text(value)))
    return Markup("").join(out)


def findings_list(ctx: RenderContext, findings: Sequence[Finding], cls: str = "field-errors") -> Markup:
    """The findings as an alert list (empty markup when there are none)."""
    if not findings:
        return Markup("")
    items = Markup("").join(
        Markup('<li class="finding-{sev}">{text}</li>').format(sev=f.severity, text=ctx.describe(f)) for f in findings
    )
    return Markup('<ul class="{cls}" role="alert">{items}</ul>').format(cls=cls, items=items)


def title_of(schema: Mapping[str, Any], ui: Mapping[str, Any], name: str) -> str:
    """A field's label: ``ui:title``, the schema's ``title``, else its property name."""
    title = ui.get("ui:title") or schema.get("title")
    return str(title) if title else name


def has_help(schema: Mapping[str, Any], ui: Mapping[str, Any]) -> bool:
    """Whether the field shows a help text."""
    return bool(ui.get("ui:help") or schema.get("description"))


def help_text(schema: Mapping[str, Any], ui: Mapping[str, Any], html_id: str) -> Markup:
    """The field's help paragraph (``ui:help`` or the schema's ``description``), if any."""
    text = ui.get("ui:help") or schema.get("description")
    if not text:
        return Markup("")
    return Markup('<p class="help" id="{id}-help">{text}</p>').format(id=html_id, text=str(text))


def required_mark(ctx: RenderContext, required: bool) -> Markup:
    """The asterisk of a required field."""
    if not required:
        return Markup("")
    return Markup(' <span class="required" title="{t}">*</span>').format(t=ctx.text("required"))


def wrap_field(
    ctx: RenderContext,
    schema: Mapping[str, Any],
    ui: Mapping[str, Any],
    path: tuple[str, ...],
    required: bool,
    body: Markup,
    *,
    cls: str = "",
    findings: Sequence[Finding] | None = None,
) -> Markup:
    """One field: its label, ``body`` (control, help, hints) and its findings (default: those at ``path``)."""
    own = ctx.findings_at(dotted(path)) if findings is None else list(findings)
    return Markup('<div class="field{cls}{err}"><label for="{id}">{label}{req}</label>{body}{errors}</div>').format(
        cls=f" {cls}" if cls else "",
        err=" has-error" if own else "",
        id=ctx.html_id(path),
        label=title_of(schema, ui, path[-1] if path else ""),
        req=required_mark(ctx, required),
        body=body,
        errors=findings_list(ctx, own),
    )

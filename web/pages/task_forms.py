"""A task's or a start form on a page: its fields rendered in the request's language, a POST read
back into data with its uploads stored, drafts kept, and the data checked before the caller acts.

Fields are typed by the schema (:mod:`forms.posted`). Uploads are checked against the field's rules
with the type taken from the file's content (not the browser's claim) and a cleaned display name,
stored as attachments of the task's instance, and replaced in the data by attachment references.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import flash, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.datastructures import FileStorage, MultiDict

from engine.errors import InvalidInput
from forms import Finding, Form
from forms.fields import KEEP_SUFFIX
from forms.messages import human_size
from forms.posted import Reader, apply_row_action, set_path
from forms.render import RenderContext, render_form
from web.access import may_attach
from web.context import engine
from web.i18n import translate_code
from web.pages.drafts import save_draft
from web.uploads import clean_name, sniff_type

MAX_KEPT = 50


@dataclass
class Submission:
    """A posted form read back: data, upload problems, and whether a row was added or removed."""

    data: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    edited: bool = False  # an add/remove button was pressed: show the form again, do not submit


def _reference(info: Any) -> dict[str, Any]:
    return {"attachment_id": info.id, "name": info.name, "content_type": info.content_type, "size": info.size}


def _kept(ids: list[str], user: Any, instance_id: str | None) -> list[dict[str, Any]]:
    """References for the attachments the form keeps, those the user may attach (web.access.may_attach)."""
    if not ids:
        return []
    allowed = {r.id: _reference(r) for r in engine().attachments(ids[:MAX_KEPT]) if may_attach(user, r, instance_id)}
    return [allowed[i] for i in ids if i in allowed]


def _store(form: Form, path: str, upload: FileStorage, actor: str, instance_id: str | None) -> tuple[dict[str, Any] | None, list[Finding]]:
    rules = form.file_field(path)
    limit = rules.max_bytes if rules else 0
    data = upload.stream.read(limit + 1)
    content_type = sniff_type(data[:16])
    size = len(data)  # past the limit only limit + 1 bytes are read: enough to refuse the file
    problems = form.check_upload(path, (upload.filename or "").strip(), content_type, size)
    if problems:
        return None, problems
    info = engine().save_attachment(clean_name(upload.filename), content_type, data, instance_id=instance_id, actor=actor)
    return _reference(info), []


def read_submission(form: Form, fields: MultiDict[str, str], uploads: Any, *, user: Any, instance_id: str | None) -> Submission:
    """The data of a posted form: fields typed by the schema, uploads stored, add/remove applied."""
    actor = user.actor
    reader = Reader(form, fields)
    data = reader.read()
    findings: list[Finding] = []
    for path, multiple in reader.file_paths:
        refs = _kept(fields.getlist(path + KEEP_SUFFIX), user, instance_id)
        for upload in uploads.getlist(path) if uploads is not None else []:
            if not upload or not upload.filename:
                continue
            ref, problems = _store(form, path + (".*" if multiple else ""), upload, actor, instance_id)
            findings += [Finding(p.code, path, p.params, p.severity) for p in problems]
            if ref is not None:
                refs = [*refs, ref] if multiple else [ref]
        if refs:
            set_path(data, path.split("."), refs if multiple else refs[-1])
    return Submission(data, findings, apply_row_action(data, fields))


# -- the page's side ---------------------------------------------------------------------------------


def form_texts() -> dict[str, str]:
    """The texts forms.render needs, in the request's language."""
    return {
        "add": _("Add"),
        "remove": _("Remove"),
        "required": _("required"),
        "accept": _("Accepted types: {types}"),
        "max_size": _("at most {size}"),
        "current_file": _("Uploaded: {name}"),
        "replace_file": _("Choose another file to replace it."),
        "choose": _("— choose —"),
        "item": _("Item {n}"),
    }


def describe_finding(finding: Finding) -> str:
    """A finding's text in the request's language."""
    return translate_code(finding.code, finding.params, context="form")


def render_fields(form: Form, values: Mapping[str, Any], findings: list[Finding]) -> Markup:
    """The HTML of a form's fields with values and findings."""
    return render_form(
        RenderContext(
            form=form,
            values=values,
            findings=findings,
            describe=describe_finding,
            texts=form_texts(),
            file_url=lambda attachment_id: url_for("site.file", attachment_id=attachment_id),
            human_size=human_size,
        )
    )


def prefill(form: Form, data: Mapping[str, Any]) -> dict[str, Any]:
    """The instance data a form starts with: the values of its top-level fields."""
    props = form.schema.get("properties") or {}
    return {k: data[k] for k in props if k in data}


@dataclass
class PostedForm:
    """A form POST taken in: the values to show again, findings, the status, and whether to act."""

    values: dict[str, Any]
    findings: list[Finding]
    status: int
    ready: bool  # submitted and valid: the caller completes the task or opens the case


def take_post(form: Form | None, user: Any, draft_key: str, *, instance_id: str | None, default_action: str) -> PostedForm:
    """Read this request's form POST; keep it as a draft unless it is a valid submission.

    ``__action=save`` (or an add/remove button, or a refused upload) keeps the draft and shows the
    form again; a submission is validated, and the caller acts only when :attr:`PostedForm.ready`.
    """
    if form is None:
        return PostedForm({}, [], 200, True)
    action = request.form.get("__action", default_action)
    sub = read_submission(form, request.form, request.files, user=user, instance_id=instance_id)
    if sub.findings or sub.edited or action == "save":
        save_draft(user.id, draft_key, sub.data)
        if action == "save" and not sub.findings:
            flash(_("Draft saved. You can come back to it later."), "success")
        return PostedForm(sub.data, list(sub.findings), 400 if sub.findings else 200, False)
    result = form.validate(sub.data)
    if not result.ok:
        save_draft(user.id, draft_key, sub.data)
        return PostedForm(sub.data, list(result.errors) + list(result.warnings), 400, False)
    return PostedForm(sub.data, [], 200, True)


def findings_of_error(exc: InvalidInput) -> list[Finding]:
    """The field findings an InvalidInput carries (``data.`` prefixes dropped), or one for the whole form."""
    return [
        Finding(e.get("code", exc.code), str(e.get("field", "")).removeprefix("data."), e.get("params", {}), e.get("severity", "error"))
        for e in exc.params.get("errors", [])
        if isinstance(e, Mapping)
    ] or [Finding(exc.code, "", exc.params, "error")]

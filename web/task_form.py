"""The form of a task: its JSON Schema and UI schema found among the deployed files of the task's
process version, parsed with casework's formats (cached by content). The API and the pages both
read task forms here."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from engine.db.models import ProcessDefinition, ProcessInstance
from forms import Form, FormatRegistry, parse_form


@lru_cache(maxsize=1)
def _formats() -> FormatRegistry:
    from casework.form_formats import register_casework_formats

    return register_casework_formats(FormatRegistry())


@lru_cache(maxsize=256)
def form_from_texts(path: str, schema: str, ui: str | None) -> Form:
    """A form from file contents (cached by content), with casework's formats."""
    return parse_form(schema, filename=path, ui_schema_source=ui, registry=_formats())


def _file_text(engine: Any, session: Any, definition: ProcessDefinition, name: str) -> str | None:
    """A form file named by a task: beside the process's BPMN, at the bundle root, or beside the BPMN
    of a called process (a call activity's forms live in the callee's folder)."""
    files = json.loads(definition.files)
    folder = definition.bpmn_path.rsplit("/", 1)[0] + "/" if "/" in definition.bpmn_path else ""
    candidates = [folder + name, name] + sorted(p for p in files if p.endswith("/" + name))
    for candidate in candidates:
        if candidate in files:
            return engine.definitions.file_text(session, definition, candidate)  # type: ignore[no-any-return]
    return None


def task_form(engine: Any, task: Any) -> Form | None:
    """The form of a task row (``form_schema``, ``form_ui_schema``, ``instance_id``), or None when it has none."""
    if not task.form_schema:
        return None
    with engine.db.reading() as uow:
        inst = uow.session.get(ProcessInstance, task.instance_id)
        definition = uow.session.get(ProcessDefinition, inst.definition_id) if inst else None
        if definition is None:
            return None
        schema = _file_text(engine, uow.session, definition, task.form_schema)
        ui = _file_text(engine, uow.session, definition, task.form_ui_schema) if task.form_ui_schema else None
    if schema is None:
        return None
    return form_from_texts(task.form_schema, schema, ui)

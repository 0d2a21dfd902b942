"""Risk flags: items a process keeps in one data variable, mirrored onto the instance and its inbox rows.

A process appends items to a list variable (``warnings`` by default); an item is a code string or an
object with a ``code`` (and any parameters). The engine knows nothing of what the codes mean: it
collects the items of every branch, and copies the set of codes to the instance row and to the open
inbox rows of the instance so that inbox queries can filter by them.
"""

from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

DEFAULT_VARIABLE = "warnings"
_LIVE = TaskState.READY | TaskState.STARTED | TaskState.WAITING


def _item_code(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, dict) and isinstance(item.get("code"), str):
        return item["code"]
    return None


def flag_items(wf: BpmnWorkflow, variable: str = DEFAULT_VARIABLE) -> list[Any]:
    """Every item of ``variable`` across the workflow's live branches (or its end data), without repeats."""
    sources: list[dict[str, Any]] = []
    if wf.is_completed():
        sources.append(wf.data)
    else:
        sources.extend(t.data for t in wf.get_tasks(state=_LIVE))
        sources.append(wf.data)
    seen: set[str] = set()
    items: list[Any] = []
    for data in sources:
        value = data.get(variable) if isinstance(data, dict) else None
        if not isinstance(value, list):
            continue
        for item in value:
            if _item_code(item) is None:
                continue
            key = json.dumps(item, sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                items.append(item)
    return items


def flag_codes(items: list[Any]) -> list[str]:
    """The sorted distinct codes of ``items``."""
    return sorted({c for c in (_item_code(i) for i in items) if c})


def encode_codes(codes: list[str]) -> str:
    """The stored form of a code list (a JSON array, as the inbox column keeps it)."""
    return json.dumps(codes, ensure_ascii=False, separators=(",", ":"))

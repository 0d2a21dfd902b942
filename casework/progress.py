"""What a case page shows beside the case itself: its progress through the milestones and its warnings.

Both are read from the engine: the root instance's definition (its deployed BPMN gives the milestone
order, cached per immutable version), its history (which milestones were reached) and the process
data ``warnings`` of every instance of the case.
"""

from __future__ import annotations

import threading
from typing import Any

from casework.milestones import Milestone, MilestoneProgress, milestone_order, progress_states
from casework.warnings import consequences, merge_warnings, sort_by_severity
from engine.db.models import ProcessDefinition
from engine.errors import InstanceNotFound


class CaseProgress:
    """Reads milestones and warnings of instances through the engine."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._orders: dict[str, list[Milestone]] = {}
        self._lock = threading.Lock()

    def milestones(self, definition_id: str) -> list[Milestone]:
        """The ordered milestones of one deployed process version (cached: versions never change)."""
        cached = self._orders.get(definition_id)
        if cached is not None:
            return cached
        with self.engine.db.reading() as uow:
            definition = uow.session.get(ProcessDefinition, definition_id)
            if definition is None:
                return []
            text = self.engine.definitions.file_text(uow.session, definition, definition.bpmn_path)
            process_id, path = definition.process_id, definition.bpmn_path
        order = milestone_order(text.encode("utf-8"), process_id, path) if text else []
        with self._lock:
            self._orders.setdefault(definition_id, order)
        return self._orders[definition_id]

    def reached(self, instance_id: str) -> list[str]:
        """Milestone names the instance has reached (from its history), oldest first."""
        with self.engine.db.reading() as uow:
            items = self.engine.history.read(uow.session, instance_id)
        names: list[str] = []
        for item in items:
            name = item.details.get("milestone") if item.event == "step_completed" else None
            if isinstance(name, str) and name not in names:
                names.append(name)
        return names

    def progress(self, instance_id: str | None) -> list[MilestoneProgress]:
        """The milestones of the instance's process with their states; empty without an instance."""
        if not instance_id:
            return []
        try:
            row = self.engine.instances.get(instance_id)
        except InstanceNotFound:
            return []
        order = self.milestones(row.definition_id)
        reached = self.reached(instance_id)
        if row.current_stage and row.current_stage not in reached:
            reached.append(row.current_stage)
        return progress_states(order, reached, row.status.value)

    def warnings(self, instance_ids: list[str]) -> list[dict[str, Any]]:
        """The ``warnings`` of these instances merged (duplicates dropped), highest severity first,
        each with the ``consequences`` message codes of its code."""
        merged: list[dict[str, Any]] = []
        for instance_id in instance_ids:
            try:
                data = self.engine.instances.data(instance_id)
            except InstanceNotFound:
                continue
            items = data.get("warnings")
            if isinstance(items, list):
                usable = [i for i in items if isinstance(i, dict) and isinstance(i.get("code"), str)]
                merged = merge_warnings(merged + usable, None)  # kept as stored, unknown codes included
        return [{**w, "consequences": list(consequences(w["code"]))} for w in sort_by_severity(merged)]

"""Who a human task goes to: lanes map to candidate groups scoped by the instance's employer and city.

A lane's template (configuration ``SHEBAO_LANE_GROUPS="HR=hr:{employer}:{city};..."``) names the
candidate group; the special template ``@subject`` assigns the task to the instance's subject person
only (as ``person:<id>``), which is how Employee-lane tasks reach the one employee the case is about.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

DEFAULT_LANE_GROUPS = {
    "Employee": "@subject",
    "HR": "hr:{employer}:{city}",
    "HR lead": "hr_lead:{employer}:{city}",
}

SUBJECT = "@subject"


class Scoped(Protocol):
    subject_person: str | None
    employer_scope: str | None
    city_scope: str | None


def person_assignee(person_id: str) -> str:
    """The assignee value of a task reserved for one person."""
    return f"person:{person_id}"


class LaneAssignment:
    """Resolves a lane to (candidate group, assignee) and a task's due time from its properties."""

    def __init__(
        self,
        lane_groups: Mapping[str, str] | None = None,
        deadline_after_workdays: Callable[[datetime, int], datetime] | None = None,
    ) -> None:
        self.lane_groups = {**DEFAULT_LANE_GROUPS, **(lane_groups or {})}
        self._deadline = deadline_after_workdays

    def resolve(self, lane: str | None, scope: Scoped) -> tuple[str | None, str | None]:
        """(candidate_group, assignee) for a task in ``lane`` of an instance with ``scope``."""
        if not lane:
            return None, None
        template = self.lane_groups.get(lane, "lane:" + lane)
        if template == SUBJECT:
            return None, person_assignee(scope.subject_person) if scope.subject_person else None
        group = template.format(employer=scope.employer_scope or "*", city=scope.city_scope or "*")
        return group, None

    def due_at(self, properties: Mapping[str, Any], now: datetime) -> datetime | None:
        """Due time from the task's ``dueWorkdays`` or ``dueHours`` property, if any."""
        try:
            if "dueWorkdays" in properties and self._deadline is not None:
                return self._deadline(now, int(properties["dueWorkdays"]))
            if "dueHours" in properties:
                return now + timedelta(hours=float(properties["dueHours"]))
        except (TypeError, ValueError):
            return None
        return None

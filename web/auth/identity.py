"""Who is signed in: the request-level view of an account (roles, person, candidate groups)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from engine.assignment import DEFAULT_LANE_GROUPS, SUBJECT, person_assignee

ROLES = ("employee", "hr", "hr_lead", "designer", "admin")

# Which lanes' candidate groups a role works in (lanes map to groups as engine/assignment.py says).
ROLE_LANES = {"hr": ("HR",), "hr_lead": ("HR", "HR lead")}


@dataclass(frozen=True)
class User:
    """A signed-in account, detached from the database."""

    id: str
    username: str
    display_name: str
    roles: frozenset[str]
    person_id: str | None = None
    scopes: tuple[tuple[str, str], ...] = ()  # (employer_id, city) pairs of HR staff
    groups: tuple[str, ...] = ()
    totp_enabled: bool = False

    @property
    def actor(self) -> str:
        """The engine actor string of this user (history, claims)."""
        return self.username

    @property
    def task_assignee(self) -> str | None:
        """The assignee value of tasks reserved for this user's person (employees), else None."""
        return person_assignee(self.person_id) if self.person_id else None

    def has_role(self, *roles: str) -> bool:
        """Whether the user holds any of ``roles``."""
        return bool(self.roles.intersection(roles))

    @property
    def is_admin(self) -> bool:
        """Whether the user holds the admin role."""
        return "admin" in self.roles


def groups_for(roles: Iterable[str], scopes: Iterable[tuple[str, str]], lane_groups: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The candidate groups of a user: each lane template of their roles, filled with each scope."""
    templates = {**DEFAULT_LANE_GROUPS, **(lane_groups or {})}
    out: list[str] = []
    for role in sorted(set(roles)):
        for lane in ROLE_LANES.get(role, ()):
            template = templates.get(lane, "lane:" + lane)
            if template == SUBJECT:
                continue
            for employer, city in sorted(scopes):
                group = template.format(employer=employer, city=city)
                if group not in out:
                    out.append(group)
    return tuple(out)

"""Object-level authorization: the ONE place that says who may see or act on an instance, task, case
or attachment.

Rule for refusals: an object the user may not see answers exactly like an object that does not exist
(:class:`NotFound`, HTTP 404), so ids cannot be probed. An object the user may see but not act on in
the asked way answers :class:`Forbidden` (HTTP 403).

Who sees what:

- employee: tasks assigned to ``person:<their person id>``; instances (and cases) whose subject
  person is theirs; attachments they uploaded or that belong to such an instance.
- hr: tasks of their candidate groups (or claimed by them); instances of their (employer, city)
  scopes; attachments of those instances or uploaded by them.
- hr_lead: as hr (their groups include the HR lead lane's escalations), plus assigning tasks and
  suspending, resuming and terminating instances of their scopes.
- designer: definitions and deployments only (no case data).
- admin: everything, including incidents.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, false, or_, true

from engine import errors
from engine.db.models import ProcessInstance
from web.auth.identity import User

TASK_ACTS = ("view", "claim", "unclaim", "assign", "complete")
INSTANCE_ACTS = ("view", "start", "suspend", "resume", "terminate")
CASE_WORKERS = ("hr", "hr_lead", "admin")


class NotFound(errors.NotFound):
    """Unknown, or not visible to this user (the two are answered alike)."""

    code = "NOT_FOUND"


class Forbidden(errors.Forbidden):
    """Visible, but this user may not do that to it."""

    code = "FORBIDDEN"


def _hidden(kind: str, object_id: str | None) -> NotFound:
    return NotFound(f"no {kind} {object_id}", kind=kind, id=object_id)


def in_scope(user: User, employer: str | None, city: str | None) -> bool:
    """Whether (employer, city) is one of the user's HR scopes."""
    return (employer or "", city or "") in set(user.scopes)


# -- tasks ----------------------------------------------------------------------------------------


def visible_tasks_filter(user: User) -> dict[str, Any]:
    """The engine.tasks.InboxFilter keyword arguments that restrict an inbox to what ``user`` may see.

    :raises Forbidden: for users without an inbox (designers).
    """
    if user.is_admin:
        return {}
    if user.has_role("hr", "hr_lead"):
        return {"assignee": user.actor, "groups": tuple(user.groups)}
    if user.has_role("employee") and user.task_assignee:
        return {"assignee": user.task_assignee, "groups": ()}
    raise Forbidden("your role has no task inbox", code="ROLE_REQUIRED")


def can_see_task(user: User, task: Any) -> bool:
    """Whether the task row is visible to ``user``."""
    if user.is_admin:
        return True
    assignee = getattr(task, "assignee", None)
    if user.task_assignee and assignee == user.task_assignee:
        return True
    if user.has_role("hr", "hr_lead"):
        return assignee == user.actor or getattr(task, "candidate_group", None) in set(user.groups)
    return False


def check_task(user: User, task: Any, act: str = "view") -> None:
    """Allow ``act`` (one of :data:`TASK_ACTS`) on a task row, or raise.

    :raises NotFound: when the user may not see the task.
    :raises Forbidden: when they see it but may not ``act`` on it.
    """
    if act not in TASK_ACTS:
        raise ValueError(f"unknown task act {act!r}")
    if not can_see_task(user, task):
        raise _hidden("task", getattr(task, "id", None))
    if user.is_admin or act == "view":
        return
    reserved = (getattr(task, "assignee", None) or "").startswith("person:")
    if act == "complete":
        return
    if reserved and act in ("claim", "unclaim"):
        raise Forbidden("this task is reserved for the person it is about", code="TASK_RESERVED")
    if act in ("claim", "unclaim") and user.has_role("hr", "hr_lead"):
        return
    if act == "assign" and user.has_role("hr_lead"):
        return
    raise Forbidden(f"your role may not {act} this task", code="ROLE_REQUIRED", act=act)


# -- instances and cases --------------------------------------------------------------------------


def can_see_instance(user: User, instance: Any) -> bool:
    """Whether the instance (row with subject_person, employer_scope, city_scope) is visible to ``user``."""
    if user.is_admin:
        return True
    if user.person_id and getattr(instance, "subject_person", None) == user.person_id:
        return True
    if user.has_role("hr", "hr_lead"):
        return in_scope(user, getattr(instance, "employer_scope", None), getattr(instance, "city_scope", None))
    return False


def check_instance(user: User, instance: Any, act: str = "view") -> None:
    """Allow ``act`` (one of :data:`INSTANCE_ACTS`) on an instance row, or raise.

    :raises NotFound: when the user may not see it.
    :raises Forbidden: when they see it but may not ``act`` on it.
    """
    if act not in INSTANCE_ACTS:
        raise ValueError(f"unknown instance act {act!r}")
    if not can_see_instance(user, instance):
        raise _hidden("instance", getattr(instance, "id", None))
    if act == "view" or user.is_admin:
        return
    scoped = in_scope(user, getattr(instance, "employer_scope", None), getattr(instance, "city_scope", None))
    if act in ("suspend", "resume", "terminate") and user.has_role("hr_lead") and scoped:
        return
    raise Forbidden(f"your role may not {act} this instance", code="ROLE_REQUIRED", act=act)


def check_start(user: User, employer: str | None, city: str | None) -> None:
    """Allow starting an instance in the given scope, or raise.

    :raises Forbidden: unless the user is an admin or HR (lead) of that employer and city.
    """
    if user.is_admin:
        return
    if user.has_role("hr", "hr_lead") and in_scope(user, employer, city):
        return
    raise Forbidden("you may start instances only for your own employer and city", code="SCOPE_REQUIRED")


def instance_conditions(user: User) -> list[Any]:
    """SQL conditions on ProcessInstance restricting a query to the instances ``user`` may see."""
    if user.is_admin:
        return [true()]
    conds: list[Any] = []
    if user.person_id:
        conds.append(ProcessInstance.subject_person == user.person_id)
    if user.has_role("hr", "hr_lead") and user.scopes:
        conds += [and_(ProcessInstance.employer_scope == e, ProcessInstance.city_scope == c) for e, c in user.scopes]
    return [or_(*conds)] if conds else [false()]


def check_case(user: User, case: Any) -> None:
    """Allow seeing a case (``person_id``/``subject_person``, ``employer_id``, ``region``/``city``).

    :raises NotFound: when the user may not see it.
    """
    if user.is_admin:
        return
    person = getattr(case, "subject_person", None) or getattr(case, "person_id", None)
    if user.person_id and person == user.person_id:
        return
    employer = getattr(case, "employer_scope", None) or getattr(case, "employer_id", None)
    city = getattr(case, "city_scope", None) or getattr(case, "region", None) or getattr(case, "city", None)
    if user.has_role("hr", "hr_lead") and in_scope(user, employer, city):
        return
    raise _hidden("case", getattr(case, "id", None))


# -- attachments ----------------------------------------------------------------------------------


def check_attachment(user: User, attachment: Any, instance: Any | None = None) -> None:
    """Allow reading an attachment (``created_by``, ``instance_id``), given its instance row if any.

    :raises NotFound: when the user may not see it.
    """
    if user.is_admin:
        return
    if getattr(attachment, "created_by", None) == user.actor:
        return
    if instance is not None and can_see_instance(user, instance):
        return
    raise _hidden("file", getattr(attachment, "id", None))


def has_any_role(user: User, roles: Iterable[str]) -> bool:
    """Whether ``user`` holds one of ``roles``."""
    return user.has_role(*roles)

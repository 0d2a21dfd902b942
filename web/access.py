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


INBOX_VIEWS = ("all", "mine", "groups", "unclaimed")
NO_GROUP = "(none)"  # a candidate group no task has: an empty group list must match nothing (no NUL: PostgreSQL refuses it)


def inbox_scope(user: User, view: str = "all") -> dict[str, Any]:
    """The InboxFilter keyword arguments of one view of ``user``'s inbox, never wider than
    :func:`visible_tasks_filter`: ``all`` that; ``mine`` the tasks they hold (claimed, or reserved to
    their person); ``groups`` their candidate groups' tasks; ``unclaimed`` those nobody holds.

    :raises Forbidden: for users without an inbox (designers).
    :raises ValueError: for an unknown view.
    """
    if view not in INBOX_VIEWS:
        raise ValueError(f"unknown inbox view {view!r}")
    visible = visible_tasks_filter(user)
    if view == "mine":
        return {"assignee": visible.get("assignee") or user.actor, "groups": ()}
    if view in ("groups", "unclaimed"):
        groups = tuple(visible.get("groups", ())) or tuple(user.groups)
        return {"assignee": None, "groups": groups or (NO_GROUP,), "unclaimed_only": view == "unclaimed"}
    return visible


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


def case_filters(user: User) -> list[dict[str, str]] | None:
    """The scopes (for casework's ``CaseService.page``) whose union is every case ``user`` may see (None: all)."""
    if user.is_admin:
        return None
    found: list[dict[str, str]] = []
    if user.person_id:
        found.append({"person_id": user.person_id})
    if user.has_role("hr", "hr_lead"):
        found += [{"employer_id": employer, "region": city} for employer, city in user.scopes]
    return found


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


def may_attach(user: User, attachment: Any, instance_id: str | None) -> bool:
    """Whether ``user`` may name an attachment (``created_by``, ``instance_id``) in a form of
    ``instance_id`` (None: a case not started yet): their own upload that belongs to no instance yet,
    or a file of that same instance (whose task they are acting on)."""
    if attachment.instance_id is None:
        return bool(attachment.created_by) and attachment.created_by == user.actor
    return instance_id is not None and attachment.instance_id == instance_id


def readable_attachment(user: User, engine: Any, attachment_id: str) -> Any:
    """The metadata (``engine.core.AttachmentInfo``) of an attachment ``user`` may read.

    :raises NotFound: when it does not exist or the user may not read it.
    """
    found = engine.attachments([attachment_id])
    if not found:
        raise _hidden("file", attachment_id)
    meta = found[0]
    instance = None
    if meta.instance_id:
        try:
            instance = engine.instances.get(meta.instance_id)
        except errors.InstanceNotFound:
            instance = None
    check_attachment(user, meta, instance)
    return meta

"""Authorization matrix: EVERY route of the app's URL map × every role, against a literal table.

The objects used belong to ``emp.zhang`` (person-1) in the scope emp-1 / 440300, so ``emp.li``
(another employee) and ``hr.zhao`` (HR of another employer and city) see others' objects by id and
must get 404, exactly as for ids that do not exist. A route without a row fails the test: whoever
adds a route adds its row here.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.conftest import CITY, EMPLOYER, ROLES, World, case_bundle, register_casework
from tests.support.engines import bpmn

DETAILS = {"name": "张三", "resident_id": "11010519491231002X", "bank_card": "6222021234567890128"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def row(anonymous: int, employee: int, other_employee: int, hr: int, other_hr: int, hr_lead: int, designer: int, admin: int) -> dict[str, int]:
    return dict(zip(ROLES, (anonymous, employee, other_employee, hr, other_hr, hr_lead, designer, admin), strict=True))


def same(status: int) -> dict[str, int]:
    return row(*(status,) * 8)


# (METHOD, rule) -> expected status per role.
# Roles: anonymous, employee, other_employee, hr, other_hr, hr_lead, designer, admin.
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    # -- health, sign-in pages (web-api) -------------------------------------------------------------
    ("GET", "/healthz"): same(200),
    ("GET", "/readyz"): same(503),  # no worker heartbeat in tests
    ("GET", "/static/<path:filename>"): same(404),  # asked for a file that is not there
    ("GET", "/login"): row(200, 302, 302, 302, 302, 302, 302, 302),
    ("POST", "/login"): same(400),  # every HTML form needs its CSRF token
    ("GET", "/login/totp"): same(302),  # no password step pending
    ("POST", "/login/totp"): same(400),
    ("POST", "/logout"): same(400),
    ("GET", "/account/two-step"): row(302, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "/account/two-step"): same(400),
    # -- pages (web-pages): HTML, so anonymous users are sent to sign in (302) and every form POST -------
    # -- needs its CSRF token (400 without one, checked before anything else) ---------------------------
    ("GET", "/"): same(302),  # to the inbox, the portal, the notifications or the sign-in page
    ("POST", "/language"): same(400),
    ("GET", "/files/<attachment_id>"): row(302, 200, 404, 200, 404, 200, 404, 200),  # emp.zhang's upload
    ("GET", "/notifications/"): row(302, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/inbox/"): row(302, 403, 403, 200, 200, 200, 403, 200),
    ("GET", "/inbox/tasks/<task_id>"): row(302, 403, 403, 200, 404, 200, 403, 200),  # the HR review task
    ("POST", "/inbox/tasks/<task_id>"): same(400),
    ("POST", "/inbox/tasks/<task_id>/claim"): same(400),
    ("POST", "/inbox/tasks/<task_id>/release"): same(400),
    ("POST", "/inbox/tasks/<task_id>/reveal"): same(400),
    ("GET", "/portal/"): row(302, 200, 200, 403, 403, 403, 403, 403),
    ("GET", "/portal/start"): row(302, 200, 200, 403, 403, 403, 403, 403),
    ("GET", "/portal/start/<kind>"): row(302, 404, 404, 403, 403, 403, 403, 403),  # "card" has no start form
    ("POST", "/portal/start/<kind>"): same(400),
    ("GET", "/portal/cases/<case_id>"): row(302, 200, 404, 403, 403, 403, 403, 403),  # person-1's card case
    ("GET", "/portal/cases/<case_id>/diagram.json"): row(302, 200, 404, 403, 403, 403, 403, 403),
    ("GET", "/portal/instances/<instance_id>"): row(302, 404, 404, 403, 403, 403, 403, 403),  # no case links it
    ("GET", "/portal/tasks/<task_id>"): row(302, 404, 404, 403, 403, 403, 403, 403),  # HR's task: not theirs
    ("POST", "/portal/tasks/<task_id>"): same(400),
    # -- API: meta and me ------------------------------------------------------------------------------
    ("GET", "/api/v1/openapi.json"): same(200),
    ("GET", "/api/v1/me"): row(401, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/me/tokens"): row(401, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "/api/v1/me/tokens"): row(401, 201, 201, 201, 201, 201, 201, 201),
    ("DELETE", "/api/v1/me/tokens/<token_id>"): row(401, 200, 404, 404, 404, 404, 404, 404),  # emp.zhang's token
    # -- API: definitions ------------------------------------------------------------------------------
    ("GET", "/api/v1/deployments"): row(401, 403, 403, 403, 403, 403, 200, 200),
    ("POST", "/api/v1/deployments"): row(401, 403, 403, 403, 403, 403, 200, 200),  # unchanged files: 200
    ("GET", "/api/v1/process-definitions"): row(401, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/process-definitions/<process_id>"): row(401, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/process-definitions/<process_id>/versions/<int:version>/xml"): row(401, 200, 200, 200, 200, 200, 200, 200),
    # -- API: instances (person-1's case in emp-1/440300) ----------------------------------------------
    ("GET", "/api/v1/instances"): row(401, 200, 200, 200, 200, 200, 403, 200),
    ("POST", "/api/v1/instances"): row(401, 403, 403, 201, 403, 201, 403, 201),
    ("GET", "/api/v1/instances/<instance_id>"): row(401, 200, 404, 200, 404, 200, 403, 200),
    ("GET", "/api/v1/instances/<instance_id>/files"): row(401, 200, 404, 200, 404, 200, 403, 200),
    ("POST", "/api/v1/instances/<instance_id>/suspend"): row(401, 403, 403, 403, 403, 200, 403, 200),
    ("POST", "/api/v1/instances/<instance_id>/resume"): row(401, 403, 403, 403, 403, 200, 403, 200),
    ("POST", "/api/v1/instances/<instance_id>/terminate"): row(401, 403, 403, 403, 403, 200, 403, 200),
    # -- API: cases (person-1's card case in emp-1/440300; POST names person-1) -------------------------
    ("GET", "/api/v1/cases"): row(401, 200, 200, 200, 200, 200, 403, 200),
    ("POST", "/api/v1/cases"): row(401, 201, 403, 201, 403, 201, 403, 201),
    ("GET", "/api/v1/cases/<case_id>"): row(401, 200, 404, 200, 404, 200, 403, 200),
    # -- API: tasks (the HR review task of person-1's case) --------------------------------------------
    ("GET", "/api/v1/tasks"): row(401, 200, 200, 200, 200, 200, 403, 200),
    ("GET", "/api/v1/tasks/<task_id>"): row(401, 404, 404, 200, 404, 200, 403, 200),
    ("POST", "/api/v1/tasks/<task_id>/claim"): row(401, 404, 404, 200, 404, 200, 403, 200),
    ("POST", "/api/v1/tasks/<task_id>/unclaim"): row(401, 404, 404, 200, 404, 200, 403, 200),
    ("POST", "/api/v1/tasks/<task_id>/assign"): row(401, 404, 404, 403, 404, 200, 403, 200),
    ("POST", "/api/v1/tasks/<task_id>/complete"): row(401, 404, 404, 200, 404, 200, 403, 200),
    # -- API: files (uploaded by emp.zhang to their case) ----------------------------------------------
    ("POST", "/api/v1/files"): row(401, 201, 404, 201, 404, 201, 403, 201),
    ("GET", "/api/v1/files/<file_id>"): row(401, 200, 404, 200, 404, 200, 403, 200),
    ("GET", "/api/v1/files/<file_id>/content"): row(401, 200, 404, 200, 404, 200, 403, 200),
    # -- API: callbacks (the signature is the only credential; none is sent here) ------------------------
    ("POST", "/api/v1/messages/bureau"): same(401),
    ("POST", "/api/v1/messages/banks/<code>"): same(401),
    # -- API: incidents --------------------------------------------------------------------------------
    ("GET", "/api/v1/incidents"): row(401, 403, 403, 403, 403, 403, 403, 200),
    ("POST", "/api/v1/incidents/<incident_id>/retry"): row(401, 403, 403, 403, 403, 403, 403, 202),
}

# The employee's own reserved task (Employee lane) seen by every role: others' object for the rest.
RESERVED_TASK: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/v1/tasks/<task_id>"): row(401, 200, 404, 404, 404, 404, 403, 200),
    ("POST", "/api/v1/tasks/<task_id>/claim"): row(401, 403, 404, 404, 404, 404, 403, 409),
    ("POST", "/api/v1/tasks/<task_id>/complete"): row(401, 200, 404, 404, 404, 404, 403, 200),
}

# Routes that change their object: each (route, role) gets fresh objects.
FRESH = {
    "/api/v1/cases",
    "/api/v1/instances/<instance_id>/suspend",
    "/api/v1/instances/<instance_id>/resume",
    "/api/v1/instances/<instance_id>/terminate",
    "/api/v1/tasks/<task_id>/claim",
    "/api/v1/tasks/<task_id>/unclaim",
    "/api/v1/tasks/<task_id>/assign",
    "/api/v1/tasks/<task_id>/complete",
}

PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def app_routes(app: Any) -> set[tuple[str, str]]:
    return {(m, r.rule) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}


def test_every_route_has_a_row_and_every_row_a_route(app):
    routes = app_routes(app)
    missing = sorted(routes - set(EXPECTED))
    stale = sorted(set(EXPECTED) - routes)
    assert not missing, f"routes without a row in EXPECTED: {missing}"
    assert not stale, f"rows for routes that do not exist: {stale}"


class Objects:
    """Objects of person-1's case in emp-1/440300 (made through the engine, as the worker would)."""

    def __init__(self, world: World, role: str | None = None, rule: str | None = None) -> None:
        eng = world.engine
        self.world = world
        self.instance = eng.start("api_case", {}, subject_person="person-1", employer=EMPLOYER, city=CITY, actor="admin.root")
        self.reserved_task = self._task("employee_details")
        eng.complete_task(self.reserved_task, DETAILS, "emp.zhang")
        self.task = self._task("hr_review")
        self.file = eng.save_attachment("id.png", "image/png", PNG, instance_id=self.instance, actor="emp.zhang").id
        cases = world.app.extensions["shebao_casework"].cases
        for active in cases.find(person_id="person-1", kind="card", status="active"):
            cases.cancel(active.id, "admin.root", "matrix: a fresh case")
        self.case = cases.open_case("person-1", "card", EMPLOYER, CITY, actor="admin.root").id
        if rule == "/api/v1/cases":  # the route under test opens the case itself
            cases.cancel(self.case, "admin.root", "matrix: the route opens it")
        if rule and rule.endswith("/resume"):
            eng.instances.suspend(self.instance, "admin.root")
        if rule and rule.endswith("/unclaim"):
            sees = role in ("hr", "hr_lead", "admin")
            eng.tasks.claim(self.task, world.users[role].username if sees else "hr.wang")

    def _task(self, element_id: str) -> str:
        from engine.tasks import InboxFilter

        rows = self.world.engine.tasks.list(InboxFilter(instance_id=self.instance))
        return next(t.id for t in rows if t.element_id == element_id)


@pytest.fixture
def matrix_world(world: World, operator_switch: dict[str, bool]) -> World:
    world.deploy_case()
    register_casework(world)
    world.engine.deploy(bpmn("pay_only.bpmn"))
    operator_switch["fail"] = True
    world.engine.start("pay_only", {"amount": 1})
    for _ in range(6):
        world.engine.run_jobs()
        world.engine.clock.advance(timedelta(minutes=5))
    operator_switch["fail"] = False
    return world


def request_for(world: World, method: str, rule: str, objs: Objects, task_id: str | None = None) -> tuple[str, dict[str, Any]]:
    """A concrete URL and request arguments for a route."""
    emp_token = next(t.id for t in world.app.extensions["shebao_auth"].credentials.tokens(world.users["employee"].id))
    incidents = world.engine.jobs.incidents()
    values: dict[str, Any] = {
        "instance_id": objs.instance,
        "task_id": task_id or objs.task,
        "file_id": objs.file,
        "attachment_id": objs.file,
        "kind": "card",
        "token_id": emp_token,
        "incident_id": incidents[0].id if incidents else "none",
        "process_id": "api_case",
        "version": 1,
        "case_id": objs.case,
        "code": "icbc",
        "filename": "nope.css",
    }
    url = PARAM.sub(lambda m: str(values[m.group(1)]), rule)
    kwargs: dict[str, Any] = {}
    bodies: dict[str, Callable[[], dict[str, Any]]] = {
        "/api/v1/me/tokens": lambda: {"json": {"name": "matrix"}},
        "/api/v1/deployments": lambda: {"json": {"files": {p: d.decode("utf-8") for p, d in case_bundle().items()}}},
        "/api/v1/cases": lambda: {"json": {"kind": "card", "employer_id": EMPLOYER, "region": CITY, "person_id": "person-1"}},
        "/api/v1/instances": lambda: {"json": {"process_id": "api_case", "subject_person": "person-1", "employer": EMPLOYER, "city": CITY}},
        "/api/v1/tasks/<task_id>/assign": lambda: {"json": {"assignee": "hr.wang"}},
        "/api/v1/tasks/<task_id>/complete": lambda: {"json": {"data": DETAILS if task_id else {"approved": True}}},
        "/api/v1/files": lambda: {"data": {"file": (io.BytesIO(PNG), "a.png", "image/png"), "instance_id": objs.instance}, "content_type": "multipart/form-data"},
        "/api/v1/messages/bureau": lambda: {"data": json.dumps({"message": "m", "message_id": "x", "correlation": {"a": 1}}), "content_type": "application/json"},
        "/api/v1/messages/banks/<code>": lambda: {"data": json.dumps({"message": "m", "message_id": "x", "correlation": {"a": 1}}), "content_type": "application/json"},
    }
    if method == "POST":
        kwargs = bodies.get(rule, lambda: {"json": {}} if rule.startswith("/api/") else {"data": {}})()
    return url, kwargs


def check(world: World, table: dict[tuple[str, str], dict[str, int]], reserved: bool = False) -> list[str]:
    failures = []
    shared = Objects(world)
    for (method, rule), expected in table.items():
        for role in ROLES:
            objs = Objects(world, role, rule) if rule in FRESH or reserved and method == "POST" else shared
            task_id = objs.reserved_task if reserved else None
            if reserved:  # the reserved task of a case that is still at the employee's step
                objs = _at_employee_step(world, objs)
                task_id = objs.reserved_task
            url, kwargs = request_for(world, method, rule, objs, task_id)
            response = world[role].call(method, url, raw=True, **kwargs)
            if response.status_code != expected[role]:
                failures.append(f"{method} {rule} as {role}: expected {expected[role]}, got {response.status_code} {response.get_data(as_text=True)[:120]}")
    return failures


def _at_employee_step(world: World, objs: Objects) -> Objects:
    fresh = object.__new__(Objects)
    fresh.world = world
    fresh.instance = world.engine.start("api_case", {}, subject_person="person-1", employer=EMPLOYER, city=CITY)
    fresh.reserved_task = fresh._task("employee_details")
    fresh.task, fresh.file, fresh.case = objs.task, objs.file, objs.case
    return fresh


def test_every_route_answers_every_role_as_the_table_says(matrix_world):
    failures = check(matrix_world, EXPECTED)
    assert not failures, "\n".join(failures)


def test_the_employees_reserved_task_is_theirs_alone(matrix_world):
    failures = check(matrix_world, RESERVED_TASK, reserved=True)
    assert not failures, "\n".join(failures)


def test_unknown_ids_answer_like_others_objects(matrix_world):
    for role in ("employee", "hr", "hr_lead", "admin"):
        for path in ("/instances/no-such", "/tasks/no-such", "/files/no-such", "/files/no-such/content"):
            assert matrix_world[role].get(path, 404).get_json()["error"]["code"] == "NOT_FOUND"

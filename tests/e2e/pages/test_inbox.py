"""The HR inbox: what HR sees, filters with exact counts, pages, claim and release with CSRF."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from engine.tasks import InboxFilter
from tests.e2e.pages.harness import CITY, PASSWORD, RESIDENT_ID, PagesWorld
from tests.e2e.pages.test_case_journey import _first, start_joiner
from web.context import casework

HR_CHECK = Path(__file__).resolve().parents[2] / "fixtures" / "web" / "hr_check" / "hr_check.bpmn"


def start_checks(pages: PagesWorld, count: int, *, risk: str | None = None, employer: str | None = None) -> list[str]:
    pages.engine.deploy({"hr_check/hr_check.bpmn": HR_CHECK.read_bytes()}, name="inbox tests")
    return [
        pages.engine.start("hr_check", {"risk": risk}, employer=employer or pages.employer_id, city=CITY)
        for _ in range(count)
    ]


def rows(html: str) -> int:
    return html.count('data-testid="task-row"')


def count(html: str, view: str) -> int:
    return int(re.search(rf'data-testid="count-{view}">(\d+)<', html).group(1))  # type: ignore[union-attr]


def test_hr_sees_the_tasks_of_their_groups_with_exact_counts_and_pages(pages: PagesWorld) -> None:
    start_checks(pages, 30)
    start_checks(pages, 2, employer="emp-x")  # another employer's: not this HR's
    hr = pages.browser("hr")
    first = hr.get("/inbox/").get_data(as_text=True)
    assert count(first, "all") == 30 and count(first, "unclaimed") == 30 and count(first, "mine") == 0
    assert rows(first) == 25 and "第 1–25 条，共 30 条" in first
    second = hr.get("/inbox/?page=2").get_data(as_text=True)
    assert rows(second) == 5 and "第 26–30 条，共 30 条" in second


def test_filters_narrow_by_risk_and_overdue(pages: PagesWorld) -> None:
    start_checks(pages, 2)
    start_checks(pages, 3, risk="STAGE_OVERDUE")
    hr = pages.browser("hr")
    risky = hr.get("/inbox/?risk=STAGE_OVERDUE").get_data(as_text=True)
    assert rows(risky) == 3 and "共 3 件待办" in risky and "阶段超时" in risky
    assert rows(hr.get("/inbox/?overdue=1").get_data(as_text=True)) == 0
    pages.engine.clock.advance(timedelta(hours=9))
    late = hr.get("/inbox/?overdue=1").get_data(as_text=True)
    assert rows(late) == 5 and "已超时" in late
    assert rows(hr.get("/inbox/?process=hr_check&stage=核对中").get_data(as_text=True)) == 5
    assert rows(hr.get("/inbox/?stage=材料收集完成").get_data(as_text=True)) == 0


def test_claim_and_release_need_the_csrf_token_and_move_the_task(pages: PagesWorld) -> None:
    start_checks(pages, 1)
    hr = pages.browser("hr")
    page = hr.get("/inbox/").get_data(as_text=True)
    task_id = re.search(r'/inbox/tasks/([^"/]+)/claim', page).group(1)  # type: ignore[union-attr]
    forged = hr.client.post(f"/inbox/tasks/{task_id}/claim", data={})
    assert forged.status_code == 400
    assert pages.engine.tasks.get(task_id).assignee is None
    assert hr.post(f"/inbox/tasks/{task_id}/claim").status_code == 302
    mine = hr.get("/inbox/?view=mine").get_data(as_text=True)
    assert count(mine, "mine") == 1 and "您已认领任务" in mine
    hr.post(f"/inbox/tasks/{task_id}/release")
    assert pages.engine.tasks.get(task_id).assignee is None


def test_hr_of_another_employer_and_employees_cannot_open_the_task(pages: PagesWorld) -> None:
    start_checks(pages, 1)
    task_id = pages.engine.tasks.list(InboxFilter())[0].id
    assert pages.browser("other_hr").get(f"/inbox/tasks/{task_id}").status_code == 404
    assert pages.browser("employee").get("/inbox/").status_code == 403
    assert pages.browser().get("/inbox/").status_code == 302  # to the sign-in page


def test_hr_sees_the_full_resident_id_only_with_a_reason_and_it_is_audited(pages: PagesWorld) -> None:
    start_joiner(pages, pages.browser("employee"))
    eng = pages.engine
    upload = eng.tasks.list(InboxFilter())[0]
    refs = {}
    for field in ("id_card", "contribution_certificate"):
        info = eng.save_attachment(f"{field}.png", "image/png", b"\x89PNG\r\n\x1a\n0", instance_id=upload.instance_id, actor="emp.zhang")
        refs[field] = {"attachment_id": info.id, "name": info.name, "content_type": info.content_type, "size": info.size}
    eng.complete_task(upload.id, refs, "emp.zhang")
    task_id = eng.tasks.list(InboxFilter(process_id="cross_province_joiner"))[0].id
    hr = pages.browser("hr")
    page = hr.get(f"/inbox/tasks/{task_id}").get_data(as_text=True)
    assert RESIDENT_ID not in page and "110105********002X" in page
    refused = hr.post(f"/inbox/tasks/{task_id}/reveal", {"reason": " "}).get_data(as_text=True)
    assert RESIDENT_ID not in refused
    shown = hr.post(f"/inbox/tasks/{task_id}/reveal", {"reason": "核对转移申请表"})
    assert shown.headers["Cache-Control"] == "private, no-store"
    assert _first(r'data-testid="revealed">.*?<span class="mono">([^<]+)<', shown.get_data(as_text=True)) == RESIDENT_ID
    with pages.app.app_context():
        entries = casework().audit.entries()
    assert any(e.reason == "核对转移申请表" and e.action == "resident_id_revealed" for e in entries)


def test_an_admins_unclaimed_view_lists_no_claimed_task(pages: PagesWorld) -> None:
    start_checks(pages, 2)
    claimed = pages.engine.tasks.list(InboxFilter())[0].id
    pages.engine.tasks.claim(claimed, "hr.wang")
    pages.users["admin"] = pages.app.extensions["shebao_auth"].accounts.create("admin.root", "管理员", PASSWORD, ("admin",))
    admin = pages.browser("admin")
    page = admin.get("/inbox/").get_data(as_text=True)
    assert count(page, "all") == 2 and rows(page) == 2
    unclaimed = admin.get("/inbox/?view=unclaimed").get_data(as_text=True)
    assert count(unclaimed, "unclaimed") == 0 and claimed not in unclaimed

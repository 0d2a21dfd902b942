"""The employee portal: clear form errors, drafts, the bell, masking, language, and other people's cases."""

from __future__ import annotations

import io
import re

from tests.e2e.pages.harness import RESIDENT_ID, PagesWorld
from tests.e2e.pages.test_case_journey import PNG, _first, start_joiner


def test_a_start_form_with_mistakes_says_what_is_wrong_and_keeps_what_was_typed(pages: PagesWorld) -> None:
    employee = pages.browser("employee")
    employee.get("/portal/start/joiner")
    response = employee.post(
        "/portal/start/joiner",
        {"old_region": "4101", "employment_start": "2026-02-30", "last_paid_month": "2026-01", "__action": "submit"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请修改下方标红的内容" in html
    assert "应为有效日期，格式 YYYY-MM-DD" in html and "此项为必填项" in html
    assert 'value="4101"' in html and 'value="2026-02-30"' in html
    assert pages.cases().cases_for_person(pages.person_id) == []


def test_a_draft_is_kept_and_shown_again(pages: PagesWorld) -> None:
    employee = pages.browser("employee")
    case_url = start_joiner(pages, employee)
    task_url = _first(r'href="(/portal/tasks/[^"]+)"', employee.get(case_url).get_data(as_text=True))
    saved = employee.post(
        task_url,
        {"__action": "save", "mobile": "13800138000", "id_card": (io.BytesIO(PNG), "id.png")},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 200 and "草稿已保存" in saved.get_data(as_text=True)
    again = pages.browser("employee").get(task_url).get_data(as_text=True)  # a new session, same user
    assert 'value="13800138000"' in again and "已上传：" in again and "id.png" in again


def test_the_bell_counts_what_is_new_until_the_list_is_opened(pages: PagesWorld) -> None:
    employee = pages.browser("employee")
    start_joiner(pages, employee)
    portal = employee.get("/portal/").get_data(as_text=True)
    assert _first(r'data-testid="bell-count">(\d+)<', portal) == "1"
    listing = employee.get("/notifications/").get_data(as_text=True)
    assert "上传材料" in listing and "待办任务" in listing
    assert 'data-testid="bell-count"' not in employee.get("/portal/").get_data(as_text=True)


def test_resident_ids_are_masked_on_the_task_page(pages: PagesWorld) -> None:
    employee = pages.browser("employee")
    case_url = start_joiner(pages, employee)
    task_url = _first(r'href="(/portal/tasks/[^"]+)"', employee.get(case_url).get_data(as_text=True))
    html = employee.get(task_url).get_data(as_text=True)
    assert RESIDENT_ID not in html and "110105********002X" in html


def test_an_uploaded_file_named_after_a_resident_id_is_listed_masked(pages: PagesWorld) -> None:
    employee = pages.browser("employee")
    case_url = start_joiner(pages, employee)
    task_url = _first(r'href="(/portal/tasks/[^"]+)"', employee.get(case_url).get_data(as_text=True))
    named = f"身份证 {RESIDENT_ID}.png"
    employee.post(task_url, {"__action": "save", "id_card": (io.BytesIO(PNG), named)}, content_type="multipart/form-data")
    html = employee.get(task_url).get_data(as_text=True)
    assert RESIDENT_ID not in html and "110105********002X.png" in html
    file_url = _first(r'href="(/files/[^"]+)"', html)
    download = employee.get(file_url)
    assert download.status_code == 200 and RESIDENT_ID not in download.headers["Content-Disposition"]


def test_another_employee_gets_not_found_for_the_case_its_task_its_diagram_and_its_files(pages: PagesWorld) -> None:
    employee = pages.browser("employee")
    case_url = start_joiner(pages, employee)
    task_url = _first(r'href="(/portal/tasks/[^"]+)"', employee.get(case_url).get_data(as_text=True))
    employee.post(task_url, {"__action": "save", "id_card": (io.BytesIO(PNG), "id.png")}, content_type="multipart/form-data")
    file_url = _first(r'href="(/files/[^"]+)"', employee.get(task_url).get_data(as_text=True))
    assert employee.get(file_url).status_code == 200

    other = pages.browser("other_employee")
    for url in (case_url, task_url, case_url + "/diagram.json", file_url):
        response = other.get(url)
        assert response.status_code == 404, url
    assert "无权查看" in other.get(case_url).get_data(as_text=True)
    assert pages.browser("hr").get(case_url).status_code == 403  # the portal is for employees


def test_the_language_switch_shows_english_pages(pages: PagesWorld) -> None:
    employee = pages.browser("employee")
    employee.get("/portal/")
    switched = employee.post("/language", {"lang": "en", "next": "/portal/"})
    assert switched.status_code == 302 and switched.headers["Location"] == "/portal/"
    html = employee.get("/portal/").get_data(as_text=True)
    assert "My social insurance matters" in html and '<html lang="en">' in html
    assert re.search(r'value="zh_Hans_CN"[^>]*>简体中文<', html)


def test_the_diagram_data_marks_done_and_current_steps(pages: PagesWorld) -> None:
    employee = pages.browser("employee")
    case_url = start_joiner(pages, employee)
    state = employee.get(case_url + "/diagram.json").get_json()
    assert state["process_id"] == "cross_province_joiner" and "<bpmn:definitions" in state["xml"]
    assert state["current"] == ["upload_materials"] and "start" in state["done"]

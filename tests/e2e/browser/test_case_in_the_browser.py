"""In a real browser: an employee opens a cross-province case on a phone, uploads materials and follows
the progress; HR claims and completes the review; the employee sees the milestone advance; another
employee cannot open the case or its files by URL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PIL import Image

from tests.e2e.browser.conftest import screenshot
from tests.e2e.pages.harness import PASSWORD, PagesWorld

PHONE = {"width": 375, "height": 740}


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def make_materials(folder: Path) -> tuple[Path, Path]:
    """A photo-like PNG of an ID card and a JPEG 'certificate'."""
    card = folder / "身份证.png"
    Image.new("RGB", (640, 400), (230, 236, 240)).save(card)
    cert = folder / "参保缴费凭证.jpg"
    Image.new("RGB", (800, 1100), (255, 255, 255)).save(cert, quality=80)
    return card, cert


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_employee_and_hr_work_a_joiner_case_in_the_browser(
    site: tuple[PagesWorld, str], new_page: Any, tmp_path: Path
) -> None:
    world, base = site
    card, cert = make_materials(tmp_path)

    # -- the employee, on a phone ------------------------------------------------------------------
    emp = new_page(**PHONE)
    sign_in(emp, base, "emp.zhang")
    assert emp.url.endswith("/portal/")
    assert emp.locator("h1").inner_text() == "我的社保办理事项"
    assert no_horizontal_scroll(emp)
    emp.click("text=发起新事项")
    emp.click("[data-testid=start-joiner]")
    emp.select_option("select[name=workplace]", index=1)
    emp.fill("input[name=old_region]", "410100")
    emp.fill("input[name=employment_start]", "2026-04-01")
    emp.fill("input[name=last_paid_month]", "2026-01")
    emp.fill("input[name=old_base]", "6000")
    screenshot(emp, "portal-start-joiner-phone")
    emp.click("[data-testid=submit]")
    emp.wait_for_url(re.compile(r"/portal/cases/"))
    case_url = emp.url
    assert "事项已发起" in emp.inner_text(".flashes")
    assert emp.locator("[data-testid=milestones] li").first.get_attribute("data-state") == "current"

    emp.click("[data-testid=case-task]")
    # a wrong file type is refused with a clear message, and what was typed stays
    emp.fill("input[name=mobile]", "13800138000")
    note = tmp_path / "说明.txt"
    note.write_text("不是图片", encoding="utf-8")
    emp.set_input_files("input[name=id_card]", str(note))
    emp.set_input_files("input[name=contribution_certificate]", str(cert))
    emp.click("[data-testid=submit]")
    assert "不接受此文件类型" in emp.inner_text("[data-testid=task-form]")
    assert emp.input_value("input[name=mobile]") == "13800138000"
    emp.set_input_files("input[name=id_card]", str(card))
    screenshot(emp, "portal-upload-phone")
    emp.click("[data-testid=submit]")
    emp.wait_for_url(case_url)
    assert "已提交" in emp.inner_text(".flashes")
    first = emp.locator("[data-testid=milestones] li").first
    assert first.get_attribute("data-state") == "done"
    emp.wait_for_selector("#diagram[data-rendered=true]")
    assert "hr_review" in (emp.get_attribute("#diagram", "data-current") or "")
    assert no_horizontal_scroll(emp)
    screenshot(emp, "portal-progress-phone")
    file_url = emp.evaluate(
        "Array.from(document.querySelectorAll('a[href^=\"/files/\"]')).map(a => a.getAttribute('href'))[0]"
    )
    assert file_url

    # -- HR, on a desktop --------------------------------------------------------------------------
    hr = new_page()
    sign_in(hr, base, "hr.wang")
    assert hr.url.endswith("/inbox/")
    assert hr.inner_text("[data-testid=count-unclaimed]") == "1"
    screenshot(hr, "inbox")
    hr.click("[data-testid=task-row] button:has-text('认领')")
    assert "您已认领" in hr.inner_text(".flashes")
    assert hr.inner_text("[data-testid=count-mine]") == "1"
    hr.click("[data-testid=task-row] a")
    assert hr.locator("[data-testid=material]").count() == 2
    assert "预计断缴" in hr.inner_text("[data-testid=warning]")
    hr.check("input[name=approved][value=true]")
    hr.fill("input[name=contribution_base]", "8000")
    screenshot(hr, "task-review")
    hr.click("[data-testid=submit]")
    hr.wait_for_url(re.compile(r"/inbox/$"))
    assert "已提交" in hr.inner_text(".flashes")

    # -- the employee sees the next milestone reached ----------------------------------------------
    emp.goto(case_url)
    states = emp.locator("[data-testid=milestones] li").evaluate_all("els => els.map(e => e.dataset.state)")
    assert states[:2] == ["done", "done"]
    assert emp.inner_text("[data-testid=case-status]") == "已办结"

    # -- another employee cannot open the case or the file by URL ----------------------------------
    other = new_page(**PHONE)
    sign_in(other, base, "emp.li")
    response = other.goto(case_url)
    assert response is not None and response.status == 404
    assert "无权查看" in other.inner_text("main")
    response = other.goto(base + file_url)
    assert response is not None and response.status == 404

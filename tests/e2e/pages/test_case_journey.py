"""An employee opens a joiner case, uploads materials; HR claims and reviews; the case moves on."""

from __future__ import annotations

import io
import re
from typing import Any

from tests.e2e.pages.harness import PagesWorld

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.4\n" + b"0" * 300


def _first(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in page"
    return found.group(1)


def start_joiner(pages: PagesWorld, browser: Any) -> str:
    """Open a joiner case through the start form; returns the case page URL."""
    page = browser.get("/portal/start/joiner")
    assert page.status_code == 200
    workplace = _first(r'<option value="([^"]+:440300)"', page.get_data(as_text=True))
    response = browser.post(
        "/portal/start/joiner",
        {
            "workplace": workplace,
            "old_region": "410100",
            "employment_start": "2026-04-01",
            "last_paid_month": "2026-01",
            "old_base": "6000",
            "person_category": "employee",
            "__action": "submit",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"]


def test_an_employee_starts_a_case_uploads_materials_and_hr_completes_the_review(pages: PagesWorld) -> None:
    employee = pages.browser("employee")
    case_url = start_joiner(pages, employee)
    case_page = employee.get(case_url).get_data(as_text=True)
    assert "上传材料" in case_page  # the task waiting for the employee
    task_url = _first(r'href="(/portal/tasks/[^"]+)"', case_page)

    # a wrong file type is refused with a clear message and nothing is submitted
    wrong = employee.post(
        task_url,
        {"__action": "submit", "id_card": (io.BytesIO(PDF), "id.pdf"), "contribution_certificate": (io.BytesIO(PDF), "cert.pdf")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 400
    assert "不接受此文件类型" in wrong.get_data(as_text=True)

    done = employee.post(
        task_url,
        {"__action": "submit", "id_card": (io.BytesIO(PNG), "id.png"), "contribution_certificate__keep": _first(
            r'name="contribution_certificate__keep" value="([^"]+)"', wrong.get_data(as_text=True))},
        content_type="multipart/form-data",
    )
    assert done.status_code == 302, done.get_data(as_text=True)[:3000]

    hr = pages.browser("hr")
    inbox = hr.get("/inbox/").get_data(as_text=True)
    assert "人事审核材料" in inbox
    hr_task = _first(r'href="(/inbox/tasks/[^"/]+)"', inbox)
    task_id = hr_task.rsplit("/", 1)[-1]
    hr.post(f"/inbox/tasks/{task_id}/claim", {"next": hr_task})
    page = hr.get(hr_task).get_data(as_text=True)
    assert "id.png" in page and "cert.pdf" in page  # the materials beside the form
    assert "预计断缴" in page  # the warning, translated
    result = hr.post(hr_task, {"__action": "submit", "approved": "true", "contribution_base": "8000", "comment": "齐全"})
    assert result.status_code == 302, result.get_data(as_text=True)[:3000]

    final = employee.get(case_url).get_data(as_text=True)
    assert 'class="step-done" data-state="done"' in final

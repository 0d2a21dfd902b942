"""The shipped cross_province_joiner process in a real browser: the employee opens the case and uploads
generated documents, the worker reads them (OCR), HR sees materials and readings side by side and
approves, and the employee sees the first milestone reached."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser.conftest import screenshot
from tests.e2e.browser.test_case_in_the_browser import PHONE, sign_in
from tests.e2e.pages.harness import PagesWorld

ROOT = Path(__file__).resolve().parents[3]


def deploy_workflows(engine: Any) -> None:
    files = {
        p.relative_to(ROOT / "workflows").as_posix(): p.read_bytes()
        for p in sorted((ROOT / "workflows").rglob("*"))
        if p.is_file() and p.suffix in (".bpmn", ".dmn", ".json")
    }
    engine.deploy(files, name="workflows")


def documents(folder: Path) -> dict[str, Path]:
    """Generated case documents (an ID card, a contribution certificate, a contract) as files."""
    from connectors.ocr.generator import DocumentSpec, generate_document

    out = {}
    for field, doc_type, seed in (
        ("id_card", "id_card_front", 11),
        ("contribution_certificate", "contribution_certificate", 12),
        ("labour_contract", "labour_contract", 13),
        ("transfer_application", "contribution_certificate", 14),
    ):
        doc = generate_document(DocumentSpec(type=doc_type, seed=seed, profile="clean", format="png"))
        path = folder / f"{field}.{doc.extension.lstrip('.')}"
        path.write_bytes(doc.data)
        out[field] = path
    return out


@pytest.mark.slow
def test_the_shipped_joiner_from_upload_to_the_first_milestone(
    site: tuple[PagesWorld, str], new_page: Any, tmp_path: Path
) -> None:
    world, base = site
    deploy_workflows(world.engine)
    files = documents(tmp_path)

    emp = new_page(**PHONE)
    sign_in(emp, base, "emp.zhang")
    emp.goto(base + "/portal/start/joiner")
    emp.select_option("select[name=workplace]", index=1)
    emp.fill("input[name=old_region]", "410100")
    emp.fill("input[name=employment_start]", "2026-04-01")
    emp.fill("input[name=last_paid_month]", "2026-01")
    emp.click("[data-testid=submit]")
    emp.wait_for_url(re.compile(r"/portal/cases/"))
    case_url = emp.url
    emp.click("[data-testid=case-task]")
    for field, path in files.items():
        emp.set_input_files(f"input[name='uploads.{field}']", str(path))
    emp.click("[data-testid=submit]")
    emp.wait_for_url(case_url)
    assert "已提交" in emp.inner_text(".flashes")

    hr = new_page()
    sign_in(hr, base, "hr.wang")
    for _ in range(60):  # the worker reads the documents first (OCR), then the review task appears
        if hr.locator("[data-testid=task-row]", has_text="审核入职材料").count():
            break
        hr.wait_for_timeout(2000)
        hr.reload()
    hr.locator("[data-testid=task-row]", has_text="审核入职材料").locator("button").click()
    hr.locator("[data-testid=task-row]", has_text="审核入职材料").locator("a").click()
    assert hr.locator("[data-testid=material]").count() == 4
    assert hr.locator(".material .ocr").count() >= 3  # readings beside their documents
    screenshot(hr, "task-review-joiner")
    hr.check("input[name=joiner_review_decision][value=approve]")
    hr.click("[data-testid=submit]")
    hr.wait_for_url(re.compile(r"/inbox/"))

    emp.goto(case_url)
    first = emp.locator("[data-testid=milestones] li").first
    assert first.inner_text().startswith("材料收集完成") and first.get_attribute("data-state") == "done"
    emp.wait_for_selector("#diagram[data-rendered=true]")
    screenshot(emp, "portal-progress-joiner-phone")

"""The web's one catalog: codes of every package translated, zh by default, en on request."""

from __future__ import annotations

from flask import Flask

from web.i18n import LANG_COOKIE, init_i18n, translate_code
from web.i18n_sources import sync


def test_codes_are_translated_in_chinese_by_default_and_in_english_on_request() -> None:
    params = {"gap_months": 3, "last_paid_month": "2026-01", "start_month": "2026-05"}
    zh = translate_code("GAP_FORECAST", params)
    assert "3" in zh and "2026-01" in zh and "断缴" in zh
    assert translate_code("GAP_FORECAST", params, locale="en").startswith("Expected")


def test_parameters_are_rendered_for_people() -> None:
    assert translate_code("FILE_TOO_LARGE", {"size_bytes": 3 * 1024 * 1024, "limit_bytes": 2 * 1024 * 1024}) == "文件过大：3 MB，上限为 2 MB"
    assert translate_code("TYPE", {"expected": ["string", "null"]}) == "应为文本 或 空值"
    assert translate_code("ENUM", {"labels": ["北京", "上海"]}, locale="en") == "Choose one of: 北京, 上海"


def test_a_code_two_packages_use_differently_is_told_apart_by_context() -> None:
    upload = translate_code("FILE_TOO_LARGE", {"size_bytes": 10, "limit_bytes": 5})
    deploy = translate_code("FILE_TOO_LARGE", {"file": "a.bpmn", "size": 10, "limit": 5}, context="deploy")
    assert upload != deploy and "a.bpmn" in deploy


def test_unknown_codes_and_missing_parameters_stay_visible() -> None:
    assert translate_code("NO_SUCH_CODE") == "NO_SUCH_CODE"
    assert "{start_month}" in translate_code("GAP_FORECAST", {"gap_months": 1, "last_paid_month": "2026-01"})


def test_numbers_in_parameters_are_masked() -> None:
    text = translate_code("INVALID_REQUEST", {"summary": "resident id 11010519491231002X refused"})
    assert "11010519491231002X" not in text and "110105********002X" in text


def test_every_package_code_and_page_text_is_in_the_catalogs_and_translated() -> None:
    report = sync(write=False)
    assert report.ok, (report.added, report.untranslated)


def test_the_locale_comes_from_the_choice_then_the_browser_then_chinese() -> None:
    app = Flask(__name__)
    app.secret_key = "x"
    init_i18n(app)

    @app.route("/t")
    def t() -> str:
        return translate_code("REQUIRED")

    client = app.test_client()
    assert client.get("/t").get_data(as_text=True) == "此项为必填项"
    assert client.get("/t", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True) == "This field is required"
    client.set_cookie(LANG_COOKIE, "zh_Hans_CN")
    assert client.get("/t", headers={"Accept-Language": "en"}).get_data(as_text=True) == "此项为必填项"

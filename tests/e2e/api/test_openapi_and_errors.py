"""The served OpenAPI document is valid and complete; generic errors keep the JSON error shape."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from tests.e2e.apiclient import error_code

PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def test_the_document_is_valid_openapi_3_1(checker):
    assert checker.document["openapi"] == "3.1.0"
    validate(checker.document)


def test_every_api_route_is_documented_and_every_documented_operation_exists(app, checker):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = PARAM.sub(r"{\1}", rule.rule[len("/api/v1"):])
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in checker.document["paths"].items() for method in item}
    assert routes == documented


def test_every_operation_documents_its_error_statuses_in_the_one_error_shape(checker):
    for path, item in checker.document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert response["$ref"] == f"#/components/responses/E{status}", (path, method, status)


def test_unknown_paths_and_methods_answer_json_errors(world):
    assert error_code(world["admin"].get("/no-such-thing", 404)) == "NOT_FOUND"
    response = world["admin"].call("PUT", "/tasks", 405)
    assert error_code(response) == "METHOD_NOT_ALLOWED" and "GET" in response.headers["Allow"]
    assert error_code(world["anonymous"].call("DELETE", "/openapi.json", 405)) == "METHOD_NOT_ALLOWED"


def test_api_responses_are_not_cached_or_sniffed(world):
    response = world["admin"].get("/me")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_the_document_is_public(world):
    assert world["anonymous"].json("GET", "/openapi.json")["info"]["title"] == "Shebao Flow API"


def test_an_unexpected_error_is_logged_with_personal_numbers_masked(web_engine, caplog):
    from web.app import create_app

    app = create_app({"SECRET_KEY": "test-secret-key", "SHEBAO_COOKIE_SECURE": False}, engine=web_engine)

    @app.get("/api/v1/boom")
    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("could not pay 6222021234567890128 for 11010519491231002X")

    response = app.test_client().get("/api/v1/boom")
    assert response.status_code == 500 and response.get_json()["error"]["code"] == "INTERNAL_ERROR"
    logged = caplog.text
    assert "RuntimeError" in logged and "110105********002X" in logged and "6222 **** **** 0128" in logged
    assert "11010519491231002X" not in logged and "6222021234567890128" not in logged

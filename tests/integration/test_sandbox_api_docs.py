"""The OpenAPI files in docs/adapter-api/ describe exactly the routes the sandbox serves."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sandbox.testing import RunningSandbox

pytest_plugins = ["tests.plugins.sandbox"]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "adapter-api"


def served_routes(sandbox: RunningSandbox, code: str) -> set[tuple[str, str]]:
    app = sandbox.servers.services[code].server.app
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/v1/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            routes |= {(method.lower(), path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def documented_routes(name: str) -> set[tuple[str, str]]:
    spec = json.loads((DOCS / name).read_text(encoding="utf-8"))
    assert spec["openapi"].startswith("3.")
    return {(method, path) for path, item in spec["paths"].items() for method in item}


@pytest.mark.parametrize(("code", "document"), [("bureau", "bureau.json"), ("icbc", "bank.json"), ("boc", "bank.json")])
def test_the_openapi_file_lists_every_served_route_and_no_other(sandbox: RunningSandbox, code: str, document: str) -> None:
    assert served_routes(sandbox, code) == documented_routes(document)


def test_every_effect_documents_the_idempotency_key_and_every_operation_the_signature() -> None:
    for name in ("bureau.json", "bank.json"):
        spec = json.loads((DOCS / name).read_text(encoding="utf-8"))
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                assert operation["security"], (path, method)
                headers = {p.get("$ref", "") for p in operation["parameters"]}
                is_query = path.endswith("/query") or method == "get"
                assert ("#/components/parameters/IdempotencyKey" in headers) != is_query, (path, method)

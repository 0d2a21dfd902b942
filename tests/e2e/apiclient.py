"""A test client for /api/v1 that validates EVERY response against the served OpenAPI document."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.testing import MockRequest
from werkzeug.test import TestResponse

API = "/api/v1"


class OpenApiChecker:
    """Validates responses against the document the app serves at /api/v1/openapi.json."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.spec = OpenAPI.from_dict(document)
        self.error_schema = {"$ref": "#/components/schemas/Error", "components": document["components"]}
        self.seen: list[tuple[str, str, int]] = []

    def check(self, response: TestResponse) -> None:
        """Fail the test when the response does not match its documented operation and status."""
        request = response.request
        if not request.path.startswith(API + "/"):
            return
        self.seen.append((request.method, request.path, response.status_code))
        try:
            # The operation is found from method and path; the request body was consumed already.
            probe = MockRequest("http://localhost", request.method.lower(), request.path, args=dict(request.args))
            self.spec.validate_response(probe, WerkzeugOpenAPIResponse(response))
        except (PathNotFound, OperationNotFound):
            # No such route or method: only the generic errors can answer, in the error shape.
            assert response.status_code in (404, 405), f"{request.method} {request.path}: undocumented {response.status_code}"
            self.check_error_body(response)

    def check_error_body(self, response: TestResponse) -> None:
        """The body is the API's one error shape."""
        schema = {**self.document["components"]["schemas"]["Error"], "$defs": {}}
        jsonschema.validate(json.loads(response.get_data(as_text=True)), schema)


@dataclass
class Api:
    """Calls /api/v1 as one user (bearer token, or the browser session with its CSRF header)."""

    client: Any
    checker: OpenApiChecker
    token: str | None = None
    csrf: str | None = None
    responses: list[TestResponse] = field(default_factory=list)

    def call(
        self, method: str, path: str, expect: int | None = None, *, headers: dict[str, str] | None = None, raw: bool = False, **kwargs: Any
    ) -> TestResponse:
        """One request; validates the response and, with ``expect``, its status.

        ``path`` is relative to /api/v1 unless ``raw`` (then it is the full path, any page's).
        """
        h = dict(headers or {})
        if self.token and "Authorization" not in h:
            h["Authorization"] = f"Bearer {self.token}"
        if self.csrf and method not in ("GET", "HEAD"):
            h.setdefault("X-CSRFToken", self.csrf)
        url = path if raw or path.startswith("/api/") else API + path
        response = self.client.open(url, method=method, headers=h, **kwargs)
        self.responses.append(response)
        self.checker.check(response)
        if expect is not None:
            assert response.status_code == expect, f"{method} {url}: {response.status_code} {response.get_data(as_text=True)[:500]}"
        return response

    def get(self, path: str, expect: int | None = 200, **kw: Any) -> Any:
        return self.call("GET", path, expect, **kw)

    def post(self, path: str, expect: int | None = 200, **kw: Any) -> Any:
        return self.call("POST", path, expect, **kw)

    def delete(self, path: str, expect: int | None = 200, **kw: Any) -> Any:
        return self.call("DELETE", path, expect, **kw)

    def json(self, method: str, path: str, expect: int | None = 200, **kw: Any) -> Any:
        """Call and return the decoded JSON body."""
        return self.call(method, path, expect, **kw).get_json()


def error_code(response: TestResponse) -> str:
    """The ``error.code`` of an error response."""
    return response.get_json()["error"]["code"]

"""The OpenAPI 3.1 document of ``/api/v1``, written as data and served at ``/api/v1/openapi.json``.

Every operation lists every status it answers with; the API tests validate each response they see
against this document, so a route that changes shape without changing this file fails them.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from flask import Blueprint, jsonify

from web.api.openapi_schemas import SCHEMAS, ref

bp = Blueprint("openapi", __name__)

ERRORS = {
    400: "Invalid input: `details.errors` lists field errors ({field, code, params})",
    401: "Not signed in, invalid token, or (callbacks) bad signature",
    403: "Signed in, but the role may not do this (or CSRF token missing on a session request)",
    404: "Unknown, or not visible to this user (answered alike)",
    405: "Method not allowed",
    409: "Conflict with the current state (task taken, completed, instance suspended, duplicate key)",
    413: "Payload too large",
    415: "Unsupported media type",
    429: "Too many requests",
}
JSON = "application/json"
AUTH = [{"bearerAuth": []}, {"sessionCookie": []}]


def _json(schema: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": ref(schema)}}}


def op(
    summary: str,
    tag: str,
    ok: dict[int, dict[str, Any]],
    errors: tuple[int, ...] = (),
    *,
    params: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
    security: list[dict[str, list[str]]] | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """One operation with its success and error responses."""
    responses: dict[str, Any] = {str(code): resp for code, resp in ok.items()}
    for code in sorted(set(errors) | ({401} if security is None else set())):
        responses[str(code)] = {"$ref": f"#/components/responses/E{code}"}
    out: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": responses}
    if description:
        out["description"] = description
    if params:
        out["parameters"] = params
    if body:
        out["requestBody"] = body
    if security is not None:
        out["security"] = security
    return out


def path_param(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """A required path parameter (a string unless ``schema`` says otherwise)."""
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string"}}


def query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    """An optional query parameter."""
    out = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        out["description"] = description
    return out


PAGING = [
    query("limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}),
    query("offset", {"type": "integer", "minimum": 0, "default": 0}),
]


def json_body(schema: str) -> dict[str, Any]:
    """A required JSON request body of the named component schema."""
    return {"required": True, "content": {JSON: {"schema": ref(schema)}}}


TASK_ID = [path_param("task_id")]
INSTANCE_ID = [path_param("instance_id")]
FILE_ID = [path_param("file_id")]

PATHS: dict[str, Any] = {
    "/openapi.json": {
        "get": op("This document", "meta", {200: {"description": "OpenAPI 3.1 document", "content": {JSON: {"schema": {"type": "object"}}}}}, security=[])
    },
    "/me": {"get": op("The signed-in user", "me", {200: _json("User")})},
    "/me/tokens": {
        "get": op("My API tokens", "me", {200: _json("TokenPage")}),
        "post": op("Create an API token (the secret is shown once)", "me", {201: _json("NewToken", "Created")}, (400, 403, 415),
                   body=json_body("NewTokenRequest")),
    },
    "/me/tokens/{token_id}": {
        "delete": op("Revoke one of my tokens", "me", {200: _json("Token")}, (403, 404), params=[path_param("token_id")]),
    },
    "/deployments": {
        "get": op("Deployments, newest first", "definitions", {200: _json("DeploymentPage")}, (400, 403), params=PAGING),
        "post": op(
            "Deploy BPMN, DMN and form files",
            "definitions",
            {200: _json("DeployResult", "Nothing new (every file unchanged)"), 201: _json("DeployResult", "Deployed")},
            (400, 403, 413, 415),
            body={
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {"type": "object", "properties": {"name": {"type": "string"}, "files": {"type": "array", "items": {"type": "string", "contentMediaType": "application/octet-stream"}}}}
                    },
                    JSON: {"schema": ref("DeployRequest")},
                },
            },
            description="Multipart: each `files` part's filename is its path in the bundle (e.g. `form_task/a-schema.json`).",
        ),
    },
    "/process-definitions": {"get": op("The newest version of every process", "definitions", {200: _json("DefinitionPage")})},
    "/process-definitions/{process_id}": {
        "get": op("A process and its versions", "definitions", {200: _json("DefinitionDetail")}, (404,), params=[path_param("process_id")])
    },
    "/process-definitions/{process_id}/versions/{version}/xml": {
        "get": op(
            "BPMN XML of one version",
            "definitions",
            {200: {"description": "BPMN 2.0 XML", "content": {"application/xml": {}}}},
            (404,),
            params=[path_param("process_id"), path_param("version", {"type": "integer"})],
        )
    },
    "/instances": {
        "get": op(
            "Instances I may see, newest first",
            "instances",
            {200: _json("InstancePage")},
            (400, 403),
            params=[
                query("process_id", {"type": "string"}),
                query("status", {"type": "string", "enum": ["running", "suspended", "completed", "terminated"]}),
                query("business_key", {"type": "string"}),
                query("subject", {"type": "string"}, "subject person id"),
                *PAGING,
            ],
        ),
        "post": op("Start an instance", "instances", {201: _json("InstanceDetail", "Started")}, (400, 403, 404, 409, 415), body=json_body("StartRequest")),
    },
    "/instances/{instance_id}": {
        "get": op("An instance with open tasks, history and masked data", "instances", {200: _json("InstanceDetail")}, (403, 404), params=INSTANCE_ID)
    },
    "/instances/{instance_id}/files": {
        "get": op("The files of an instance", "files", {200: _json("AttachmentPage")}, (403, 404), params=INSTANCE_ID)
    },
    **{
        f"/instances/{{instance_id}}/{act}": {
            "post": op(f"{act.capitalize()} an instance (HR lead of its scope, admin)", "instances", {200: _json("Instance")}, (403, 404, 409), params=INSTANCE_ID)
        }
        for act in ("suspend", "resume", "terminate")
    },
    "/cases": {
        "get": op(
            "Cases I may see (employees: my own), newest first",
            "cases",
            {200: _json("CasePage")},
            (400, 403),
            params=[query("status", {"type": "string", "enum": ["active", "closed", "cancelled"]}),
                    query("kind", {"type": "string", "enum": ["joiner", "transfer", "enrolment", "stop_contribution", "card"]}), *PAGING],
        ),
        "post": op("Open a case and start its process", "cases", {201: _json("CaseDetail", "Opened")}, (400, 403, 404, 409, 415),
                   body=json_body("OpenCaseRequest")),
    },
    "/cases/{case_id}": {
        "get": op("A case with its milestones and warnings", "cases", {200: _json("CaseDetail")}, (403, 404), params=[path_param("case_id")])
    },
    "/tasks": {
        "get": op(
            "My inbox: open tasks, earliest due first, with the exact total",
            "tasks",
            {200: _json("TaskPage")},
            (400, 403),
            params=[
                query("whose", {"type": "string", "enum": ["all", "mine", "groups", "unclaimed"], "default": "all"}),
                query("process_id", {"type": "string"}),
                query("instance_id", {"type": "string"}),
                query("stage", {"type": "string"}),
                query("risk_flag", {"type": "string"}, "a warning code, e.g. GAP_FORECAST"),
                query("overdue", {"type": "boolean"}),
                query("due_before", {"type": "string", "format": "date-time"}),
                *PAGING,
            ],
        )
    },
    "/tasks/{task_id}": {"get": op("A task with its form", "tasks", {200: _json("TaskDetail")}, (403, 404), params=TASK_ID)},
    "/tasks/{task_id}/claim": {"post": op("Claim a group task", "tasks", {200: _json("Task")}, (403, 404, 409), params=TASK_ID)},
    "/tasks/{task_id}/unclaim": {"post": op("Give a claimed task back", "tasks", {200: _json("Task")}, (403, 404, 409), params=TASK_ID)},
    "/tasks/{task_id}/assign": {
        "post": op("Assign a task (HR lead, admin)", "tasks", {200: _json("Task")}, (400, 403, 404, 409, 415), params=TASK_ID, body=json_body("AssignRequest"))
    },
    "/tasks/{task_id}/complete": {
        "post": op("Complete a task with form data", "tasks", {200: _json("CompleteResult")}, (400, 403, 404, 409, 415), params=TASK_ID,
                   body=json_body("CompleteRequest"))
    },
    "/files": {
        "post": op(
            "Upload a file (JPEG, PNG or PDF)",
            "files",
            {201: _json("Attachment", "Stored")},
            (400, 403, 404, 413, 415),
            body={
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {"file": {"type": "string", "contentMediaType": "application/octet-stream"}, "task_id": {"type": "string"}, "instance_id": {"type": "string"}},
                            "required": ["file"],
                        }
                    }
                },
            },
        )
    },
    "/files/{file_id}": {"get": op("A file's metadata", "files", {200: _json("Attachment")}, (403, 404), params=FILE_ID)},
    "/files/{file_id}/content": {
        "get": op(
            "Download a file",
            "files",
            {200: {"description": "The file, as stored", "content": {t: {} for t in ("image/jpeg", "image/png", "application/pdf")}}},
            (403, 404),
            params=FILE_ID,
        )
    },
    "/messages/bureau": {
        "post": op("Signed callback from the bureau", "messages", {200: _json("Delivery")}, (400, 401, 413, 415), body=json_body("Callback"),
                   security=[{"signature": []}])
    },
    "/messages/banks/{code}": {
        "post": op("Signed callback from a bank", "messages", {200: _json("Delivery")}, (400, 401, 413, 415), params=[path_param("code")],
                   body=json_body("Callback"), security=[{"signature": []}])
    },
    "/incidents": {"get": op("Open incidents (admin)", "incidents", {200: _json("IncidentPage")}, (403,))},
    "/incidents/{incident_id}/retry": {
        "post": op("Retry an incident's job (admin)", "incidents", {202: _json("RetryResult", "Retrying")}, (403, 404, 409), params=[path_param("incident_id")])
    },
}


def _error_response(code: int) -> dict[str, Any]:
    resp: dict[str, Any] = {"description": ERRORS[code], "content": {JSON: {"schema": ref("Error")}}}
    if code == 429:
        resp["headers"] = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
    return resp


DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Shebao Flow API",
        "version": "1",
        "description": "Social-insurance casework on BPMN. Authenticate with `Authorization: Bearer <token>` "
        "(create tokens with `shebao users token` or POST /me/tokens) or with the browser session "
        "(then send the `X-CSRFToken` header on writes). Errors: `{\"error\": {\"code\", \"message\", \"details\"}}`. "
        "Resident ID and bank card numbers are masked in every response.",
    },
    "servers": [{"url": "/api/v1"}],
    "security": AUTH,
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "responses": {f"E{code}": _error_response(code) for code in ERRORS},
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "description": "an API token (shb_…)"},
            "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "shebao_session", "description": "the browser session; writes need X-CSRFToken"},
            "signature": {"type": "apiKey", "in": "header", "name": "X-Signature", "description": "HMAC-SHA256 per docs/adapter-api.md, with X-App-Key and X-Timestamp"},
        },
    },
}


def document() -> dict[str, Any]:
    """A copy of the OpenAPI document."""
    return deepcopy(DOCUMENT)


@bp.get("/openapi.json")
def openapi_json() -> Any:
    """The OpenAPI 3.1 document of this API."""
    return jsonify(DOCUMENT)

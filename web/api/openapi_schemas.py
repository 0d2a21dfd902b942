"""The JSON schemas of the API's bodies (OpenAPI 3.1 components: JSON Schema 2020-12).

Objects are closed (``additionalProperties: false``) so that a field added to a response without
being described here makes the API tests fail.
"""

from __future__ import annotations

from typing import Any

STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
NTIME = {"type": ["string", "null"], "format": "date-time"}
OBJ = {"type": "object"}
STRS = {"type": "array", "items": STR}


def ref(name: str) -> dict[str, str]:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def closed(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    """An object schema with exactly these properties (all required unless listed otherwise)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def page_of(item: str) -> dict[str, Any]:
    """A list response: items, exact total, limit, offset."""
    return closed({"items": {"type": "array", "items": ref(item)}, "total": INT, "limit": INT, "offset": INT})


TASK = {
    "id": STR,
    "instance_id": STR,
    "process_id": STR,
    "element_id": STR,
    "title": STR,
    "lane": NSTR,
    "candidate_group": NSTR,
    "assignee": NSTR,
    "stage": NSTR,
    "risk_flags": STRS,
    "status": {"type": "string", "enum": ["open", "completed", "cancelled"]},
    "due_at": NTIME,
    "overdue": BOOL,
    "has_form": BOOL,
    "created_at": TIME,
    "claimed_at": NTIME,
    "completed_at": NTIME,
}

INSTANCE = {
    "id": STR,
    "process_id": STR,
    "business_key": NSTR,
    "status": {"type": "string", "enum": ["running", "suspended", "completed", "terminated"]},
    "stage": NSTR,
    "subject_person": NSTR,
    "employer": NSTR,
    "city": NSTR,
    "risk_flags": STRS,
    "started_by": NSTR,
    "created_at": TIME,
    "updated_at": TIME,
    "completed_at": NTIME,
}

DEFINITION = {
    "id": STR,
    "process_id": STR,
    "version": INT,
    "name": NSTR,
    "bpmn_path": STR,
    "files": STRS,
    "deployment_id": STR,
    "created_at": TIME,
}

TOKEN = {"id": STR, "name": STR, "prefix": STR, "created_at": TIME, "expires_at": NTIME, "last_used_at": NTIME, "revoked": BOOL}

FILE_REF = closed({"attachment_id": STR, "name": STR, "content_type": STR, "size": INT})

CASE = {
    "id": STR,
    "person_id": STR,
    "kind": {"enum": ["joiner", "transfer", "enrolment", "stop_contribution", "card"]},
    "employer_id": NSTR,
    "region": STR,
    "status": {"enum": ["active", "closed", "cancelled"]},
    "process_id": STR,
    "root_instance_id": NSTR,
    "opened_at": TIME,
    "opened_by": NSTR,
    "closed_at": NTIME,
    "closed_by": NSTR,
    "close_reason": NSTR,
    "instances": {"type": "array", "items": closed({"instance_id": STR, "process_id": STR, "role": STR})},
}

SCHEMAS: dict[str, Any] = {
    "Error": closed(
        {
            "error": closed(
                {
                    "code": {"type": "string", "description": "stable machine-readable code, e.g. TASK_CONFLICT"},
                    "message": {"type": "string", "description": "English sentence for logs and developers"},
                    "details": {"type": "object", "description": "parameters; for 400 `errors`: [{field, code, params}]"},
                }
            )
        }
    ),
    "FieldError": {
        "type": "object",
        "properties": {"field": NSTR, "code": STR, "params": OBJ, "severity": STR},
        "required": ["code"],
    },
    "User": closed(
        {
            "id": STR,
            "username": STR,
            "display_name": STR,
            "roles": {"type": "array", "items": {"enum": ["employee", "hr", "hr_lead", "designer", "admin"]}},
            "person_id": NSTR,
            "groups": STRS,
            "scopes": {"type": "array", "items": closed({"employer": STR, "city": STR})},
            "totp_enabled": BOOL,
            "auth": {"enum": ["session", "token"]},
            "csrf_token": NSTR,
        }
    ),
    "Token": closed(TOKEN),
    "NewToken": closed({**TOKEN, "token": {"type": "string", "description": "the secret, shown only in this response"}}),
    "TokenPage": page_of("Token"),
    "NewTokenRequest": {
        "type": "object",
        "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100}, "expires_in_days": {"type": "integer", "minimum": 1, "maximum": 3650}},
        "required": ["name"],
    },
    "Task": closed(TASK),
    "TaskDetail": closed(
        {
            **TASK,
            "form": {
                "oneOf": [
                    {"type": "null"},
                    closed({"schema": {"type": ["object", "null"]}, "ui_schema": {"type": ["object", "null"]}}),
                ]
            },
        }
    ),
    "TaskPage": page_of("Task"),
    "AssignRequest": {"type": "object", "properties": {"assignee": NSTR}, "required": ["assignee"]},
    "CompleteRequest": {"type": "object", "properties": {"data": OBJ}},
    "CompleteResult": closed({"task_id": STR, "instance_id": STR, "instance": ref("Instance")}),
    "Instance": closed(INSTANCE),
    "InstancePage": page_of("Instance"),
    "HistoryItem": closed({"at": TIME, "event": STR, "element_id": NSTR, "element_name": NSTR, "actor": NSTR, "details": OBJ}),
    "InstanceDetail": closed(
        {
            **INSTANCE,
            "open_tasks": {"type": "array", "items": ref("Task")},
            "history": {"type": "array", "items": ref("HistoryItem")},
            "data": {"type": "object", "description": "process data, resident ID and card numbers masked"},
        }
    ),
    "StartRequest": {
        "type": "object",
        "properties": {
            "process_id": STR,
            "data": OBJ,
            "business_key": STR,
            "unique": BOOL,
            "subject_person": STR,
            "employer": STR,
            "city": STR,
            "version": {"type": "integer", "minimum": 1},
        },
        "required": ["process_id"],
    },
    "FileRef": FILE_REF,
    "Attachment": closed(
        {"id": STR, "name": STR, "content_type": STR, "size": INT, "sha256": STR, "instance_id": NSTR, "created_at": TIME, "ref": ref("FileRef")}
    ),
    "AttachmentPage": page_of("Attachment"),
    "Definition": closed(DEFINITION),
    "DefinitionPage": page_of("Definition"),
    "DefinitionDetail": closed({"process_id": STR, "latest": ref("Definition"), "versions": {"type": "array", "items": ref("Definition")}}),
    "Deployment": closed(
        {"id": STR, "name": STR, "created_at": TIME, "created_by": NSTR, "files": STRS, "new_processes": INT, "new_decisions": INT}
    ),
    "DeploymentPage": page_of("Deployment"),
    "DeployResult": closed(
        {
            "deployment_id": NSTR,
            "processes": {"type": "array", "items": OBJ},
            "decisions": {"type": "array", "items": OBJ},
            "unchanged": STRS,
            "warnings": {"type": "array", "items": OBJ},
        }
    ),
    "DeployRequest": {
        "type": "object",
        "properties": {"name": STR, "files": {"type": "object", "additionalProperties": STR}},
        "required": ["files"],
    },
    "Incident": closed(
        {"id": STR, "instance_id": STR, "element_id": NSTR, "operator": NSTR, "error": STR, "status": {"enum": ["open", "resolved"]}, "created_at": TIME}
    ),
    "IncidentPage": page_of("Incident"),
    "RetryResult": closed({"id": STR, "status": {"const": "retrying"}}),
    "Case": closed(CASE),
    "CasePage": page_of("Case"),
    "CaseDetail": closed(
        {
            **CASE,
            "progress": {
                "type": "array",
                "items": closed({"name": STR, "state": {"enum": ["done", "skipped", "current", "pending"]}, "elements": STRS}),
            },
            "warnings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"code": STR, "severity": {"enum": ["info", "warning", "high"]}, "params": OBJ, "consequences": STRS},
                    "required": ["code"],
                },
            },
        }
    ),
    "OpenCaseRequest": {
        "type": "object",
        "properties": {
            "kind": {"enum": ["joiner", "transfer", "enrolment", "stop_contribution", "card"]},
            "employer_id": STR,
            "region": {"type": "string", "pattern": "^[0-9]{6}$"},
            "person_id": {"type": "string", "description": "HR and admins: the person the case is about; employees: themselves"},
            "case_date": {"type": "string", "format": "date"},
            "data": OBJ,
        },
        "required": ["kind", "region"],
    },
    "Callback": {
        "type": "object",
        "properties": {
            "message": STR,
            "message_id": STR,
            "sender": STR,
            "occurred_on": STR,
            "sent_at": NSTR,
            "correlation": OBJ,
            "payload": OBJ,
        },
        "required": ["message", "message_id", "correlation"],
    },
    "Delivery": closed({"status": {"enum": ["delivered", "kept", "duplicate"]}, "instance_id": NSTR, "message_id": STR}),
}

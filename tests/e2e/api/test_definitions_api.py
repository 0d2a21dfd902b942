"""Deploying and reading definitions through /api/v1/deployments and /api/v1/process-definitions."""

from __future__ import annotations

import io

from tests.e2e.apiclient import error_code
from tests.e2e.conftest import case_bundle


def multipart(files):
    return {"name": "upload", "files": [(io.BytesIO(data), path) for path, data in files.items()]}


def test_a_designer_deploys_multipart_files_and_a_redeploy_adds_nothing(world):
    designer = world["designer"]
    result = designer.json("POST", "/deployments", 201, data=multipart(case_bundle()), content_type="multipart/form-data")
    assert [p["process_id"] for p in result["processes"]] == ["api_case"] and result["deployment_id"]
    again = designer.json("POST", "/deployments", 200, data=multipart(case_bundle()), content_type="multipart/form-data")
    assert again["deployment_id"] is None and again["processes"] == []
    page = designer.json("GET", "/deployments")
    assert page["total"] == 1 and page["items"][0]["created_by"] == "designer.sun"


def test_json_deployments_and_definition_reads(world):
    files = {path: data.decode("utf-8") for path, data in case_bundle().items()}
    world["admin"].json("POST", "/deployments", 201, json={"name": "json", "files": files})
    listing = world["employee"].json("GET", "/process-definitions")
    assert [d["process_id"] for d in listing["items"]] == ["api_case"]
    detail = world["hr"].json("GET", "/process-definitions/api_case")
    assert detail["latest"]["version"] == 1 and len(detail["versions"]) == 1
    xml = world["hr"].get("/process-definitions/api_case/versions/1/xml")
    assert xml.mimetype == "application/xml" and b'id="api_case"' in xml.data
    assert error_code(world["hr"].get("/process-definitions/nope", 404)) == "DEFINITION_NOT_FOUND"
    assert error_code(world["hr"].get("/process-definitions/api_case/versions/9/xml", 404)) == "DEFINITION_NOT_FOUND"


def test_broken_definitions_are_400_naming_the_file_and_line(world):
    body = world["designer"].post("/deployments", 400, json={"files": {"bad/bad.bpmn": "<bpmn:definitions"}}).get_json()
    assert body["error"]["details"]["file"] == "bad/bad.bpmn" and body["error"]["details"]["line"] == 1
    assert world["designer"].post("/deployments", 400, json={"files": {"../x.bpmn": "x"}}).get_json()["error"]["details"]["errors"][0]["code"] == "PATH_INVALID"
    assert world["designer"].post("/deployments", 400, json={"files": []}).get_json()["error"]["details"]["errors"][0]["field"] == "files"
    assert world["designer"].post("/deployments", 400, data={"name": "x"}, content_type="multipart/form-data").get_json()["error"]["details"]["errors"][0]["code"] == "REQUIRED"
    assert error_code(world["designer"].post("/deployments", 415, data="x", content_type="text/plain")) == "UNSUPPORTED_MEDIA_TYPE"


def test_only_designers_and_admins_deploy(world):
    for role in ("employee", "hr", "hr_lead"):
        assert error_code(world[role].post("/deployments", 403, json={"files": {"a.bpmn": "x"}})) == "ROLE_REQUIRED"
        assert error_code(world[role].get("/deployments", 403)) == "ROLE_REQUIRED"
    assert error_code(world["anonymous"].get("/process-definitions", 401)) == "UNAUTHENTICATED"

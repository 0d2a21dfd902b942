"""Policy lookups outside BPMN (e.g. the web showing the materials checklist before a case starts).

Evaluates the newest deployed version of a policy-pack decision (docs/policy-pack.md) through the
engine — the same DMN engine, restricted evaluator and late binding a business-rule task uses — with
inputs such as ``{"region": "440300", "case_date": "2026-03-02"}``. The tables themselves fall back
city → province → national (their rows are ordered that way and say which ``level`` answered); this
module returns the rows with ``verified``/``level`` and the UNVERIFIED_LOCAL_RULE warning that
applies when no verified row answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

from casework import divisions, identifiers
from casework.errors import field_error, invalid
from casework.expressions import unverified_rule_warnings
from engine.errors import EngineError, EvaluationError
from engine.scripting import evaluation_error

LEVELS = ("national", "province", "city")  # least to most specific


class PolicyEvaluationFailed(EngineError):
    """A decision could not be evaluated with the given inputs (e.g. a missing input name)."""

    code = "POLICY_EVALUATION_FAILED"


@dataclass(frozen=True)
class PolicyAnswer:
    """What a decision answered: its rows (one for FIRST tables, all matches for COLLECT), whether
    every row is verified, the most specific ``level`` among them, and the warning to raise."""

    decision_id: str
    version: int
    region: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    verified: bool = False
    level: str | None = None
    warning: dict[str, Any] | None = None

    @property
    def first(self) -> dict[str, Any] | None:
        """The answering row of a FIRST table (None when nothing answered)."""
        return self.rows[0] if self.rows else None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "decision_id": self.decision_id,
            "version": self.version,
            "region": self.region,
            "rows": self.rows,
            "verified": self.verified,
            "level": self.level,
            "warning": self.warning,
        }


def _stub_task(data: dict[str, Any], script_engine: Any, name: str) -> Any:
    """The little of a SpiffWorkflow task that the DMN engine reads (data, script engine, names)."""
    workflow = SimpleNamespace(script_engine=script_engine, spec=SimpleNamespace(file=name), parent_workflow=None)
    workflow.top_workflow = workflow
    return SimpleNamespace(data=data, workflow=workflow, task_spec=SimpleNamespace(bpmn_name=name, bpmn_id=name, name=name))


def _rows(result: Mapping[str, Any], decision_id: str) -> list[dict[str, Any]]:
    """Rows from what the DMN engine gives: outputs nested under the decision id (the policy pack's
    ``<decision id>.<column>`` names: a dict for FIRST, a list of dicts for COLLECT), or plain columns
    (a dict for FIRST, ``{column: [values]}`` for COLLECT)."""
    if not result:
        return []
    nested = result.get(decision_id)
    if isinstance(nested, list):
        return [dict(v) for v in nested if isinstance(v, Mapping)]
    if isinstance(nested, Mapping):
        return [dict(nested)]
    if all(isinstance(v, list) for v in result.values()):
        keys = list(result)
        return [dict(zip(keys, values, strict=True)) for values in zip(*(result[k] for k in keys), strict=True)]
    return [dict(result)]


class PolicyLookup:
    """Evaluates policy-pack decisions for a region and date."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def _today(self) -> str:
        return self.engine.clock.now().astimezone(identifiers.SHANGHAI).date().isoformat()

    def evaluate(self, decision_id: str, inputs: Mapping[str, Any]) -> PolicyAnswer:
        """Evaluate the newest deployed ``decision_id`` with ``inputs`` (``region`` required;
        ``case_date`` defaults to today in Asia/Shanghai by the engine clock).

        :raises InvalidInput: DIVISION_CODE_INVALID or CASE_DATE_INVALID.
        :raises DefinitionNotFound: when the decision was never deployed.
        :raises PolicyEvaluationFailed: when the table cannot be evaluated with these inputs.
        """
        data = dict(inputs)
        region = data.get("region")
        if not divisions.is_division_code(region):
            raise invalid("region must be a 6-digit division code", "DIVISION_CODE_INVALID", field_error("region", "DIVISION_CODE_INVALID"))
        region = divisions.check_division_code(region)
        data["region"] = region
        if data.get("case_date") in (None, ""):
            data["case_date"] = self._today()
        else:
            try:
                data["case_date"] = date.fromisoformat(str(data["case_date"])[:10]).isoformat()
            except ValueError:
                raise invalid("case_date must be a date YYYY-MM-DD", "CASE_DATE_INVALID", field_error("case_date", "DATE_INVALID")) from None
        dmn, version = self.engine.definitions.resolve_decision(decision_id)
        try:
            result = dmn.result(_stub_task(data, self.engine.script_engine, decision_id))
        except Exception as exc:  # noqa: BLE001 - any failure of the table is reported with its cause
            cause = evaluation_error(exc)
            detail = cause.message if isinstance(cause, EvaluationError) else str(exc)
            raise PolicyEvaluationFailed(
                f"decision {decision_id} could not be evaluated: {detail}", decision_id=decision_id, version=version
            ) from exc
        rows = _rows(result, decision_id)
        flags = [r.get("verified") for r in rows]
        levels = [r.get("level") for r in rows if r.get("level") in LEVELS]
        level = max(levels, key=LEVELS.index) if levels else None
        warnings = unverified_rule_warnings(decision_id, region, flags)
        return PolicyAnswer(decision_id, version, region, rows, not warnings, level, warnings[0] if warnings else None)

    def materials(
        self, case_type: str, region: str, *, person_category: str = "employee", case_date: str | None = None
    ) -> PolicyAnswer:
        """The materials checklist (``policy_materials``, COLLECT): one row per material."""
        return self.evaluate(
            "policy_materials",
            {"case_type": case_type, "region": region, "person_category": person_category, "case_date": case_date},
        )

    def base_bounds(self, region: str, *, case_date: str | None = None) -> PolicyAnswer:
        """The contribution base bounds (``policy_base_bounds``, FIRST)."""
        return self.evaluate("policy_base_bounds", {"region": region, "case_date": case_date})

    def filing_window(self, region: str, *, case_date: str | None = None) -> PolicyAnswer:
        """The monthly filing window (``policy_filing_window``, FIRST)."""
        return self.evaluate("policy_filing_window", {"region": region, "case_date": case_date})

    def sla(self, region: str, stage: str, *, case_date: str | None = None) -> PolicyAnswer:
        """The official time limit of a stage (``policy_sla``, FIRST)."""
        return self.evaluate("policy_sla", {"region": region, "sla_stage": stage, "case_date": case_date})

    def card(self, region: str, *, case_date: str | None = None) -> PolicyAnswer:
        """The card photo rules (``policy_card``, FIRST)."""
        return self.evaluate("policy_card", {"region": region, "case_date": case_date})

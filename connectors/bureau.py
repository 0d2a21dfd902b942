"""``bureau.*`` operators: removal, enrolment, contribution history and certificate, transfers."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from connectors.config import ConnectorConfig
from connectors.http import AdapterCallFailed, ServiceClient
from connectors.messages import text
from connectors.params import Params
from engine.errors import BusinessError
from engine.operators import OperatorCall, OperatorRegistry, Parameter

COMMON_ERRORS = ("INVALID_PARAMETERS", "INVALID_REQUEST", "INVALID_RESIDENT_ID")
TRANSFER_KINDS = ("pension", "medical")
REMOVAL_REASONS = ("resignation", "dismissal", "contract_end", "retirement", "death", "other")


class BureauConnector:
    """The operators that call the bureau adapter; one HTTP session for all of them."""

    def __init__(self, config: ConnectorConfig) -> None:
        self.client = (
            ServiceClient(
                config.bureau,
                connect_timeout=config.connect_timeout,
                read_timeout=config.read_timeout,
                retries=config.retries,
                backoff_seconds=config.backoff_seconds,
            )
            if config.bureau
            else None
        )

    def close(self) -> None:
        """Release the HTTP connections."""
        if self.client is not None:
            self.client.close()

    def _api(self) -> ServiceClient:
        if self.client is None:
            raise AdapterCallFailed("ADAPTER_NOT_CONFIGURED", service="bureau", variable="SHEBAO_BUREAU_URL")
        return self.client

    def stop_contribution(self, params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """File the removal (减员) of an employee who left."""
        p = Params(params)
        body = {
            "employer_credit_code": p.credit_code("employer_credit_code"),
            "region": p.region("region"),
            "resident_id": p.resident_id(),
            "separation_date": p.day("separation_date"),
            "reason": p.choice("reason", REMOVAL_REASONS, default="resignation"),
        }
        p.done()
        return self._api().post("/v1/removals", body, call.idempotency_key)

    def enrol(self, params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """File the enrolment (增员) of a new employee."""
        p = Params(params)
        body = {
            "employer_credit_code": p.credit_code("employer_credit_code"),
            "region": p.region("region"),
            "resident_id": p.resident_id(),
            "name": p.text("name", max_length=50),
            "employment_start_date": p.day("employment_start_date"),
            "contribution_base": p.amount("contribution_base"),
            "late_acknowledged": p.flag("late_acknowledged"),
        }
        p.done()
        return self._api().post("/v1/enrolments", body, call.idempotency_key)

    def contribution_history(self, params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """A person's contribution months with totals."""
        p = Params(params)
        body = {
            "resident_id": p.resident_id(),
            "region": p.region("region", required=False),
            "from_month": p.month("from_month", required=False),
            "to_month": p.month("to_month", required=False),
        }
        include_periods = p.flag("include_periods", default=True)
        p.done()
        result = self._api().post("/v1/contributions/query", {k: v for k, v in body.items() if v})
        if not include_periods:
            result.pop("periods", None)
        return result

    def contribution_certificate(self, params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """Have the 参保缴费凭证 issued; the document is stored as an attachment of the instance."""
        p = Params(params)
        body = {
            "resident_id": p.resident_id(),
            "region": p.region("region"),
            "format": p.choice("format", ("pdf", "png"), default="pdf"),
        }
        p.done()
        result = self._api().post("/v1/certificates", body, call.idempotency_key)
        document = result.pop("document", None)
        if not isinstance(document, dict) or not isinstance(document.get("data_base64"), str):
            raise AdapterCallFailed("ADAPTER_MALFORMED_RESPONSE", service="bureau", path="/v1/certificates", status=201)
        try:
            data = base64.b64decode(document["data_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise AdapterCallFailed("ADAPTER_MALFORMED_RESPONSE", service="bureau", path="/v1/certificates", status=201) from None
        filename = str(document.get("filename") or f"{result.get('certificate_no', 'certificate')}.{body['format']}")
        content_type = str(document.get("content_type") or "application/octet-stream")
        attachment_id = call.save_attachment(filename, content_type, data) if call.save_attachment else None
        return {**result, "attachment_id": attachment_id, "filename": filename, "content_type": content_type,
                "size": len(data)}

    def apply_transfer(self, params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """Apply for a pension or medical insurance transfer; progress arrives by callback and status query."""
        p = Params(params)
        body = {
            "kind": p.choice("kind", TRANSFER_KINDS),
            "resident_id": p.resident_id(),
            "name": p.text("name", max_length=50),
            "from_region": p.region("from_region"),
            "to_region": p.region("to_region"),
            "reference": p.text("reference", required=False) or call.business_key or call.instance_id,
            "correlation": _correlation(p, call),
        }
        p.done()
        return self._api().post("/v1/transfers", body, call.idempotency_key)

    def transfer_status(self, params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """The stages a transfer application has reached.

        :raises BusinessError: ``TRANSFER_REFUSED`` when refused (unless ``fail_on_refusal`` is false).
        """
        p = Params(params)
        application_id = p.identifier("application_id")
        fail_on_refusal = p.flag("fail_on_refusal", default=True)
        p.done()
        result = self._api().get(f"/v1/transfers/{application_id}")
        if fail_on_refusal and result.get("stage") == "refused":
            refusal = result.get("refusal") or {}
            raise BusinessError(
                "TRANSFER_REFUSED",
                text("TRANSFER_REFUSED", "en", reason_code=refusal.get("reason_code", "")),
                service="bureau",
                service_message=str(refusal.get("reason", "")),
                application_id=application_id,
                reason_code=refusal.get("reason_code"),
                reason=refusal.get("reason"),
                document_no=next((s.get("document_no") for s in result.get("stages", []) if s.get("stage") == "refused"), None),
            )
        return result


def _correlation(p: Params, call: OperatorCall) -> dict[str, str]:
    """The keys the bureau echoes in its callbacks: given, or the calling instance's id."""
    value = p.params.get("correlation")
    if value is None:
        return {"instance_id": call.instance_id}
    if not isinstance(value, dict) or not 0 < len(value) <= 5:
        p.errors.append({"parameter": "correlation", "reason": "must be an object of 1 to 5 keys"})
        return {}
    return {str(k): str(v) for k, v in value.items()}


def register(registry: OperatorRegistry, connector: BureauConnector) -> None:
    """Register every ``bureau.*`` operator of ``connector`` with its documentation."""
    resident = Parameter("resident_id", "string", True, "resident ID number (18 characters)")
    registry.register(
        "bureau.stop_contribution",
        connector.stop_contribution,
        description="File the removal (减员) of an employee: inside the region's monthly filing window, "
        "refused while the employer has arrears. Retried safely with the job's idempotency key.",
        parameters=(
            Parameter("employer_credit_code", "string", True, "the employer's unified social credit code"),
            Parameter("region", "string", True, "6-digit region code where the employee is insured"),
            resident,
            Parameter("separation_date", "date", True, "last day of employment (YYYY-MM-DD)"),
            Parameter("reason", "string", False, "one of " + ", ".join(REMOVAL_REASONS) + " (default resignation)"),
        ),
        result_fields=("removal_id", "status", "filed_on", "separation_date", "effective_month",
                       "last_contribution_month", "region"),
        error_codes=("ARREARS", "OUTSIDE_FILING_WINDOW", "NOT_INSURED", "ALREADY_STOPPED", "SEPARATION_IN_FUTURE",
                     "EMPLOYER_NOT_REGISTERED", *COMMON_ERRORS),
    )
    registry.register(
        "bureau.enrol",
        connector.enrol,
        description="File the enrolment (增员) of a new employee; refused as LATE_ENROLMENT more than 30 days "
        "after the first day of employment unless late_acknowledged is true (back-payment follows).",
        parameters=(
            Parameter("employer_credit_code", "string", True, "the employer's unified social credit code"),
            Parameter("region", "string", True, "6-digit region code of the insured place"),
            resident,
            Parameter("name", "string", True, "the employee's name"),
            Parameter("employment_start_date", "date", True, "first day of employment (YYYY-MM-DD)"),
            Parameter("contribution_base", "number", True, "monthly contribution base in yuan"),
            Parameter("late_acknowledged", "boolean", False, "file even though the 30 days are over (default false)"),
        ),
        result_fields=("enrolment_id", "status", "filed_on", "first_contribution_month", "deadline", "late",
                       "days_late", "back_pay_months", "region"),
        error_codes=("LATE_ENROLMENT", "ALREADY_ENROLLED", "ACTIVE_ELSEWHERE", "EMPLOYER_NOT_REGISTERED", *COMMON_ERRORS),
    )
    registry.register(
        "bureau.contribution_history",
        connector.contribution_history,
        description="A person's contribution months (paid or in arrears) with totals and enrolments.",
        parameters=(
            resident,
            Parameter("region", "string", False, "only this 6-digit region"),
            Parameter("from_month", "string", False, "first month YYYY-MM"),
            Parameter("to_month", "string", False, "last month YYYY-MM"),
            Parameter("include_periods", "boolean", False, "return the month list, not only the totals (default true)"),
        ),
        result_fields=("resident_id_masked", "name", "as_of", "pension_in_payment", "enrolments", "periods", "summary"),
        error_codes=("PERSON_NOT_FOUND", *COMMON_ERRORS),
    )
    registry.register(
        "bureau.contribution_certificate",
        connector.contribution_certificate,
        description="Have the contribution certificate (参保缴费凭证) of one region issued once contributions "
        "there stopped; the document (PDF or PNG with the agency's seal) is saved as an attachment.",
        parameters=(
            resident,
            Parameter("region", "string", True, "6-digit region code of the outgoing place"),
            Parameter("format", "string", False, "pdf (default) or png"),
        ),
        result_fields=("certificate_no", "issued_on", "agency", "region", "name", "resident_id_masked",
                       "employer_name", "employer_credit_code", "period_start", "period_end", "months_paid",
                       "months_in_arrears", "contribution_base", "personal_account", "pooled_fund", "segments",
                       "attachment_id", "filename", "content_type", "size"),
        error_codes=("PERSON_NOT_FOUND", "NO_RECORD_IN_REGION", "STILL_CONTRIBUTING", *COMMON_ERRORS),
    )
    registry.register(
        "bureau.apply_transfer",
        connector.apply_transfer,
        description="Apply for a pension or medical insurance transfer (转移接续). Each stage then arrives as a "
        "message transfer.<kind>.<stage> (accepted, refused, info_sheet_issued, completed) correlated by the "
        "given correlation keys (default: this instance's id), and through bureau.transfer_status.",
        parameters=(
            Parameter("kind", "string", True, "pension or medical"),
            resident,
            Parameter("name", "string", True, "the person's name"),
            Parameter("from_region", "string", True, "6-digit code of the outgoing place"),
            Parameter("to_region", "string", True, "6-digit code of the incoming place"),
            Parameter("reference", "string", False, "kept with the application (default: business key or instance id)"),
            Parameter("correlation", "object", False, "message correlation keys echoed in callbacks, e.g. "
                      "{\"business_key\": ...} (default: {\"instance_id\": <this instance>})"),
        ),
        result_fields=("application_id", "kind", "stage", "applied_on", "next_stage", "stages", "from_region",
                       "to_region", "reference", "correlation", "resident_id_masked"),
        error_codes=("PERSON_NOT_FOUND", "NO_RECORD_IN_REGION", "SAME_REGION", "TRANSFER_IN_PROGRESS", *COMMON_ERRORS),
    )
    registry.register(
        "bureau.transfer_status",
        connector.transfer_status,
        description="The stages a transfer application has reached, with deadlines, documents and funds; "
        "a refusal is raised as TRANSFER_REFUSED unless fail_on_refusal is false.",
        parameters=(
            Parameter("application_id", "string", True, "from bureau.apply_transfer"),
            Parameter("fail_on_refusal", "boolean", False, "raise TRANSFER_REFUSED for a refusal (default true)"),
        ),
        result_fields=("application_id", "kind", "stage", "applied_on", "stages", "next_stage", "refusal", "funds",
                       "from_region", "to_region", "reference", "resident_id_masked"),
        error_codes=("TRANSFER_REFUSED", "TRANSFER_NOT_FOUND", "INVALID_PARAMETERS"),
    )

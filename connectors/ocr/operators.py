"""BPMN service operators of the reader: ``ocr.read_document`` and ``ocr.check_photo``."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from connectors.ocr.loading import DocumentFormatError
from connectors.ocr.model import CaseContext, DocumentReading, Finding, PhotoSpec
from connectors.ocr.photo import check_photo
from connectors.ocr.reader import ReaderConfig, read_document
from engine.errors import BusinessError, NotFound, TechnicalError
from engine.operators import OperatorCall, OperatorRegistry, Parameter

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class OcrConfig:
    """Settings of the OCR operators: the reader's, and the ID-photo specification."""

    reader: ReaderConfig = field(default_factory=ReaderConfig)
    photo: PhotoSpec = field(default_factory=PhotoSpec)


def _attachment(params: dict[str, Any], call: OperatorCall) -> tuple[str, bytes]:
    attachment_id = params.get("attachment_id")
    if not isinstance(attachment_id, str) or not attachment_id:
        raise BusinessError("OCR_INVALID_PARAMETERS", "attachment_id must be a non-empty string")
    if call.read_attachment is None:
        raise TechnicalError("this host offers no attachment store")
    try:
        return attachment_id, call.read_attachment(attachment_id)
    except NotFound:
        raise BusinessError("ATTACHMENT_NOT_FOUND", f"no attachment {attachment_id}", attachment_id=attachment_id) from None


def _context(params: dict[str, Any], call: OperatorCall) -> CaseContext:
    expected = params.get("expected") or {}
    if not isinstance(expected, dict):
        raise BusinessError("OCR_INVALID_PARAMETERS", "expected must be an object")
    try:
        context = CaseContext.from_dict({k: v for k, v in expected.items() if v not in (None, "")})
    except (TypeError, ValueError) as exc:
        raise BusinessError("OCR_INVALID_PARAMETERS", str(exc)) from None
    if context.today is None:
        now = call.now if call.now.tzinfo else call.now.replace(tzinfo=ZoneInfo("UTC"))
        context = replace(context, today=now.astimezone(SHANGHAI).date())
    return context


def _unreadable(error: DocumentFormatError) -> DocumentReading:
    finding = Finding("FILE_NOT_READABLE", {"problem": error.code}, "error")
    return DocumentReading(None, 0.0, {}, [finding], [], 0, None)


def read_document_operator(config: OcrConfig) -> Any:
    """The ``ocr.read_document`` operator function bound to ``config``."""

    def run(params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """Reads the attachment and returns the reading with ``ok`` and ``codes``."""
        attachment_id, data = _attachment(params, call)
        context = _context(params, call)
        try:
            reading = read_document(data, context, config.reader)
        except DocumentFormatError as exc:
            reading = _unreadable(exc)
        result = reading.as_dict()
        result["ok"] = not any(f.severity == "error" for f in reading.findings)
        result["codes"] = reading.codes()
        # the codes and the type only: fields hold personal data and stay out of the log
        log.info("ocr.read_document %s (instance %s): type=%s codes=%s", attachment_id, call.instance_id,
                 reading.type, ",".join(result["codes"]) or "-")
        return result

    return run


def check_photo_operator(config: OcrConfig) -> Any:
    """The ``ocr.check_photo`` operator function bound to ``config``."""

    def run(params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """Checks the attached photo and returns the check with ``codes``."""
        attachment_id, data = _attachment(params, call)
        result = check_photo(data, config.photo)
        log.info("ocr.check_photo %s (instance %s): ok=%s codes=%s", attachment_id, call.instance_id, result.ok,
                 ",".join(f.code for f in result.findings) or "-")
        out = result.as_dict()
        out["codes"] = [f.code for f in result.findings]
        return out

    return run


def register_ocr_operators(registry: OperatorRegistry, config: OcrConfig | None = None) -> None:
    """Registers ``ocr.read_document`` and ``ocr.check_photo`` in ``registry``.

    :raises ValueError: when either name is registered already.
    """
    config = config or OcrConfig()
    registry.register(
        "ocr.read_document",
        read_document_operator(config),
        description="Reads a case document (separation certificate, contribution certificate, ID card front, "
        "labour contract first page): type, fields, findings, seal.",
        parameters=(
            Parameter("attachment_id", "string", True, "the uploaded file (image or PDF)"),
            Parameter(
                "expected",
                "object",
                False,
                "what the case knows: name, id_number, employer, credit_code, separation_from, separation_to "
                "(YYYY-MM-DD), expected_type",
            ),
        ),
        result_fields=("type", "confidence", "fields", "findings", "repaired", "pages", "seal", "ok", "codes"),
        error_codes=("ATTACHMENT_NOT_FOUND", "OCR_INVALID_PARAMETERS"),
        retries=2,
        timeout_seconds=300,
    )
    registry.register(
        "ocr.check_photo",
        check_photo_operator(config),
        description="Checks an ID photo for a card application: size, resolution, format, colour, file size, "
        "white background.",
        parameters=(Parameter("attachment_id", "string", True, "the uploaded photo"),),
        result_fields=("ok", "findings", "measured", "spec", "codes"),
        error_codes=("ATTACHMENT_NOT_FOUND", "OCR_INVALID_PARAMETERS"),
        retries=2,
        timeout_seconds=60,
    )

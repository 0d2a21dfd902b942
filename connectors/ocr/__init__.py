"""OCR of case materials: separation certificates, contribution certificates, ID card fronts and the
first page of labour contracts; the red-seal check; the ID-photo check for card applications.

Entry points: :func:`read_document` (file bytes to a :class:`DocumentReading`), :func:`check_photo`,
:func:`register_ocr_operators` (the ``ocr.read_document`` and ``ocr.check_photo`` BPMN operators)
and ``connectors.ocr.cli.ocr_command`` (``shebao ocr``). Texts for finding codes live in
:mod:`connectors.ocr.catalog`.
"""

from __future__ import annotations

from connectors.ocr.catalog import message
from connectors.ocr.loading import DocumentFormatError
from connectors.ocr.model import (
    CaseContext,
    DocumentReading,
    Finding,
    PhotoCheck,
    PhotoSpec,
    Repair,
    SealCheck,
)
from connectors.ocr.operators import OcrConfig, register_ocr_operators
from connectors.ocr.photo import check_photo
from connectors.ocr.reader import ReaderConfig, read_document, read_images

__all__ = [
    "CaseContext",
    "DocumentFormatError",
    "DocumentReading",
    "Finding",
    "OcrConfig",
    "PhotoCheck",
    "PhotoSpec",
    "ReaderConfig",
    "Repair",
    "SealCheck",
    "check_photo",
    "message",
    "read_document",
    "read_images",
    "register_ocr_operators",
]

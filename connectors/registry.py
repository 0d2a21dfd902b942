"""Registers every connector operator: ``bureau.*``, ``bank.*`` and ``ocr.*``."""

from __future__ import annotations

from connectors.bank import BankConnector
from connectors.bank import register as register_bank
from connectors.bureau import BureauConnector
from connectors.bureau import register as register_bureau
from connectors.config import ConnectorConfig
from connectors.ocr import OcrConfig, register_ocr_operators
from engine.operators import OperatorRegistry


def register_connectors(registry: OperatorRegistry, config: ConnectorConfig, ocr_config: OcrConfig | None = None) -> None:
    """Register all ``bureau.*``, ``bank.*`` and ``ocr.*`` operators into ``registry``.

    The OCR operators take their own settings (``ocr_config``, defaults when None).

    :raises ValueError: when one of the names is registered already.
    """
    register_bureau(registry, BureauConnector(config))
    register_bank(registry, BankConnector(config))
    register_ocr_operators(registry, ocr_config)

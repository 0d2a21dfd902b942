"""Registers every connector operator (``bureau.*``, ``bank.*`` and the OCR owner's ``ocr.*``)."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable

from connectors.bank import BankConnector
from connectors.bank import register as register_bank
from connectors.bureau import BureauConnector
from connectors.bureau import register as register_bureau
from connectors.config import ConnectorConfig
from engine.operators import OperatorRegistry


def register_connectors(registry: OperatorRegistry, config: ConnectorConfig) -> None:
    """Register all ``bureau.*``, ``bank.*`` and ``ocr.*`` operators into ``registry``.

    The OCR operators come from ``connectors.ocr.register_ocr_operators(registry, config)``; a
    ``connectors.ocr`` package that does not define that function registers none.

    :raises ValueError: when one of the names is registered already.
    :raises ImportError: when ``connectors.ocr`` exists but cannot be imported (e.g. a missing library).
    """
    register_bureau(registry, BureauConnector(config))
    register_bank(registry, BankConnector(config))
    register_ocr = _ocr_hook()
    if register_ocr is not None:
        register_ocr(registry, config)


def _ocr_hook() -> Callable[[OperatorRegistry, ConnectorConfig], None] | None:
    """``connectors.ocr.register_ocr_operators`` if the OCR package defines it."""
    if importlib.util.find_spec("connectors.ocr") is None:
        return None
    try:
        module = importlib.import_module("connectors.ocr")
    except ImportError as exc:
        raise ImportError(f"connectors.ocr exists but cannot be imported, so no ocr.* operators: {exc}") from exc
    return getattr(module, "register_ocr_operators", None)

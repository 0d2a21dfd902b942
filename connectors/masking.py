"""Masking of resident ID numbers and bank card numbers for logs, errors and lists."""

from __future__ import annotations

import re
from typing import Any


def mask_resident_id(value: str | None) -> str:
    """``11010519491231002X`` -> ``110105********002X``; anything shorter than 10 characters -> ``****``."""
    if not value:
        return ""
    text = str(value).strip()
    if len(text) < 10:
        return "****"
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_card_number(value: str | None) -> str:
    """``6222021234567891234`` -> ``6222 **** **** 1234``; short values -> ``****``."""
    if not value:
        return ""
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    if len(digits) < 12:
        return "****"
    return f"{digits[:4]} **** **** {digits[-4:]}"


_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_CARD_NUMBER = re.compile(r"(?<!\d)(\d{4})\d{8,11}(\d{4})(?!\d)")


def scrub(value: Any) -> Any:
    """``value`` with every resident-ID-like or card-number-like string inside it masked (recursively)."""
    if isinstance(value, str):
        text = _RESIDENT_ID.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:], value)
        return _CARD_NUMBER.sub(lambda m: f"{m.group(1)} **** **** {m.group(2)}", text)
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value

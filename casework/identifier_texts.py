"""Texts of the identifier checks' message codes (Simplified Chinese and English), for the command
line and OCR reports; the web's catalogs take them over (web/i18n_sources.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forms.messages import fill, language, render_param

MESSAGES: dict[str, dict[str, str]] = {
    "RESIDENT_ID_LENGTH": {
        "zh": "公民身份号码应为 {expected} 位，实际为 {actual} 位",
        "en": "A resident ID number has {expected} characters; this one has {actual}",
    },
    "RESIDENT_ID_FIRST_GENERATION": {
        "zh": "这是旧版 15 位身份证号码，请填写 18 位公民身份号码",
        "en": "This is an old 15-digit ID number; enter the 18-character resident ID number",
    },
    "RESIDENT_ID_CHARACTERS": {
        "zh": "第 {positions} 位字符无效：前 17 位应为数字，最后一位为数字或 X",
        "en": "Invalid character at position {positions}: the first 17 are digits, the last a digit or X",
    },
    "RESIDENT_ID_BIRTH_DATE": {
        "zh": "出生日期（第 7–14 位）不是有效日期",
        "en": "The birth date (positions 7-14) is not a real date",
    },
    "RESIDENT_ID_BIRTH_DATE_FUTURE": {
        "zh": "出生日期（第 7–14 位）晚于今天",
        "en": "The birth date (positions 7-14) is in the future",
    },
    "RESIDENT_ID_BIRTH_DATE_TOO_EARLY": {
        "zh": "出生日期（第 7–14 位）早于 {earliest}，请核对",
        "en": "The birth date (positions 7-14) is before {earliest}; check the number",
    },
    "RESIDENT_ID_CHECK_CHARACTER": {
        "zh": "校验码不符：应为 {expected}，实为 {got}，请核对号码是否有误",
        "en": "Check character mismatch: expected {expected}, got {got}; check the number for typos",
    },
    "RESIDENT_ID_AREA_UNKNOWN": {
        "zh": "地址码 {area_code} 不在行政区划代码表中（可能是已撤销的旧代码），仅供核对",
        "en": "Area code {area_code} is not in the division code table (perhaps a retired code); for information",
    },
    "CREDIT_CODE_LENGTH": {
        "zh": "统一社会信用代码应为 {expected} 位，实际为 {actual} 位",
        "en": "A unified social credit code has {expected} characters; this one has {actual}",
    },
    "CREDIT_CODE_CHARACTERS": {
        "zh": "第 {positions} 位字符无效：第 3–8 位为数字，其余不使用 I、O、S、V、Z",
        "en": "Invalid character at position {positions}: positions 3-8 are digits, and I, O, S, V, Z are never used",
    },
    "CREDIT_CODE_CHECK_CHARACTER": {
        "zh": "校验码不符：应为 {expected}，实为 {got}",
        "en": "Check character mismatch: expected {expected}, got {got}",
    },
    "CREDIT_CODE_CHECK_UNCONFIRMED": {
        "zh": "校验码不符（应为 {expected}，实为 {got}）；部分早期试点代码确实如此，须由人事核实确认",
        "en": "Check character mismatch (expected {expected}, got {got}); some pilot-era codes are like this, HR must confirm",
    },
    "BANK_CARD_CHARACTERS": {
        "zh": "银行卡号只能包含数字",
        "en": "A bank card number has digits only",
    },
    "BANK_CARD_LENGTH": {
        "zh": "银行卡号应为 {min}–{max} 位数字，实际为 {actual} 位",
        "en": "A bank card number has {min}-{max} digits; this one has {actual}",
    },
    "BANK_CARD_LUHN": {
        "zh": "银行卡号未通过校验（Luhn），请核对；个别银行的卡号不使用该校验",
        "en": "The card number fails the Luhn check; check it (a few banks do not use this check)",
    },
    "YEAR_MONTH_FORMAT": {
        "zh": "应为“年-月”格式，如 2024-07",
        "en": "Expected a year and month as YYYY-MM, e.g. 2024-07",
    },
    "REPAIR_NOT_NEEDED": {"zh": "号码无需纠正", "en": "The number needed no correction"},
    "REPAIRED": {
        "zh": "已根据常见识别错误纠正第 {positions} 位，请核对",
        "en": "Corrected position {positions} for a typical recognition error; please check",
    },
    "REPAIR_GUESSED": {
        "zh": "第 {positions} 位可能识别有误，已按最可能的结果填写，请务必核对",
        "en": "Position {positions} was probably misread and has been guessed; it must be checked",
    },
    "REPAIR_AMBIGUOUS": {
        "zh": "识别结果有多种可能，请人工核对",
        "en": "Several readings are possible; please check by hand",
    },
    "REPAIR_FAILED": {
        "zh": "无法从识别结果得到有效号码，请人工录入",
        "en": "No valid number could be read; please enter it by hand",
    },
}


def describe(code: str, params: Mapping[str, Any] | None = None, lang: str = "zh") -> str:
    """The text for a message code in ``lang`` (zh default, en); the code itself when unknown."""
    entry = MESSAGES.get(code)
    if entry is None:
        return code
    return fill(entry[language(lang)], {k: render_param(code, k, v, lang) for k, v in (params or {}).items()})

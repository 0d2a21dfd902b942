"""Texts for the reader's finding codes, document types and fields, in Simplified Chinese and English.

Findings travel as codes with parameters; the web and the command line call :func:`message` at the
edge. Parameters named ``document``, ``expected_type`` and ``found_type`` hold a document type code,
``field``, ``earlier`` and ``later`` a field name, and ``reason`` (with ``reason_params``) a message code
of :mod:`casework.identifiers`; they are translated too.
"""

from __future__ import annotations

from typing import Any

from casework.identifiers import describe as describe_identifier_issue
from connectors.ocr.doctypes import FIELD_KINDS, missing_code

LANGS = ("zh", "en")

DOCUMENT_TYPE_LABELS: dict[str, dict[str, str]] = {
    "separation_certificate": {"zh": "离职证明", "en": "separation certificate"},
    "contribution_certificate": {"zh": "参保缴费凭证", "en": "contribution certificate"},
    "id_card_front": {"zh": "居民身份证人像面", "en": "resident ID card (front)"},
    "labour_contract": {"zh": "劳动合同首页", "en": "labour contract (first page)"},
}

FIELD_LABELS: dict[str, dict[str, str]] = {
    "name": {"zh": "姓名", "en": "name"},
    "id_number": {"zh": "身份证号码", "en": "ID number"},
    "employer": {"zh": "用人单位", "en": "employer"},
    "credit_code": {"zh": "统一社会信用代码", "en": "unified social credit code"},
    "entry_date": {"zh": "入职日期", "en": "date of joining"},
    "separation_date": {"zh": "离职日期", "en": "separation date"},
    "issue_date": {"zh": "出具日期", "en": "date of issue"},
    "issuer": {"zh": "经办机构", "en": "issuing agency"},
    "period_start": {"zh": "缴费起始年月", "en": "first contribution month"},
    "period_end": {"zh": "缴费截止年月", "en": "last contribution month"},
    "months_paid": {"zh": "累计缴费月数", "en": "months paid"},
    "contribution_base": {"zh": "缴费基数", "en": "contribution base"},
    "sex": {"zh": "性别", "en": "sex"},
    "ethnicity": {"zh": "民族", "en": "ethnicity"},
    "birth_date": {"zh": "出生日期", "en": "date of birth"},
    "contract_term": {"zh": "合同期限类型", "en": "contract term"},
    "contract_start": {"zh": "合同起始日期", "en": "contract start date"},
    "contract_end": {"zh": "合同终止日期", "en": "contract end date"},
}

VALUE_LABELS: dict[str, dict[str, dict[str, str]]] = {
    "sex": {"male": {"zh": "男", "en": "male"}, "female": {"zh": "女", "en": "female"}},
    "contract_term": {
        "fixed": {"zh": "固定期限", "en": "fixed term"},
        "open_ended": {"zh": "无固定期限", "en": "open-ended"},
        "task": {"zh": "以完成一定工作任务为期限", "en": "until a task is done"},
    },
}


PROBLEM_LABELS: dict[str, dict[str, str]] = {
    "FILE_EMPTY": {"zh": "文件为空", "en": "the file is empty"},
    "FILE_TOO_LARGE": {"zh": "文件过大", "en": "the file is too large"},
    "FILE_FORMAT_UNSUPPORTED": {"zh": "不是图片或PDF文件", "en": "it is neither an image nor a PDF"},
    "FILE_DAMAGED": {"zh": "文件已损坏", "en": "the file is damaged"},
}

_FIXED: dict[str, dict[str, str]] = {
    "FILE_NOT_READABLE": {
        "zh": "文件无法读取：{problem}",
        "en": "The file cannot be read: {problem}",
    },
    "UNREADABLE_DOCUMENT": {
        "zh": "文件中未识别出文字，请重新拍照或扫描",
        "en": "No text could be recognised in the file; scan or photograph it again",
    },
    "UNKNOWN_DOCUMENT_TYPE": {
        "zh": "无法判断材料类型（离职证明、参保缴费凭证、身份证人像面或劳动合同首页）",
        "en": "The kind of material could not be told (separation certificate, contribution certificate, "
        "ID card front or labour contract first page)",
    },
    "DOCUMENT_TYPE_MISMATCH": {
        "zh": "应提交{expected_type}，识别为{found_type}",
        "en": "A {expected_type} was expected; this reads as a {found_type}",
    },
    "ID_NUMBER_INVALID": {
        "zh": "身份证号码{value}无效：{reason}",
        "en": "The ID number {value} is invalid: {reason}",
    },
    "CREDIT_CODE_INVALID": {
        "zh": "统一社会信用代码{value}无效：{reason}",
        "en": "The unified social credit code {value} is invalid: {reason}",
    },
    "VALUE_REPAIRED": {
        "zh": "{field}按校验位修正了识别结果（第{positions}位）",
        "en": "The {field} was corrected with its check character (position {positions})",
    },
    "DATES_OUT_OF_ORDER": {
        "zh": "{later}（{later_value}）早于{earlier}（{earlier_value}）",
        "en": "The {later} ({later_value}) is before the {earlier} ({earlier_value})",
    },
    "DATE_IN_FUTURE": {
        "zh": "{field}（{value}）晚于今天",
        "en": "The {field} ({value}) is in the future",
    },
    "ID_BIRTH_DATE_MISMATCH": {
        "zh": "出生日期（{printed}）与身份证号码中的出生日期（{from_id}）不一致",
        "en": "The date of birth ({printed}) differs from the one in the ID number ({from_id})",
    },
    "ID_SEX_MISMATCH": {
        "zh": "性别与身份证号码不一致",
        "en": "The sex differs from the one the ID number encodes",
    },
    "MONTHS_PAID_EXCEED_PERIOD": {
        "zh": "累计缴费月数（{months_paid}）超过缴费起止年月之间的月数（{period_months}）",
        "en": "The months paid ({months_paid}) exceed the months between first and last contribution "
        "month ({period_months})",
    },
    "UNDER_WORKING_AGE": {
        "zh": "{field}（{value}）时本人未满16周岁",
        "en": "The person was under 16 on the {field} ({value})",
    },
    "NAME_MISMATCH": {
        "zh": "姓名（{found}）与案件中的姓名（{expected}）不一致",
        "en": "The name ({found}) differs from the case's ({expected})",
    },
    "ID_NUMBER_MISMATCH": {
        "zh": "身份证号码（{found}）与案件中的号码（{expected}）不一致",
        "en": "The ID number ({found}) differs from the case's ({expected})",
    },
    "EMPLOYER_MISMATCH": {
        "zh": "用人单位（{found}）与案件中的单位（{expected}）不一致",
        "en": "The employer ({found}) differs from the case's ({expected})",
    },
    "CREDIT_CODE_MISMATCH": {
        "zh": "统一社会信用代码（{found}）与案件中的代码（{expected}）不一致",
        "en": "The unified social credit code ({found}) differs from the case's ({expected})",
    },
    "SEPARATION_DATE_OUTSIDE_CASE": {
        "zh": "离职日期（{value}）不在案件的离职日期范围（{start}至{end}）内",
        "en": "The separation date ({value}) is outside the case's range ({start} to {end})",
    },
    "SEAL_MISSING": {
        "zh": "{document}未加盖印章",
        "en": "The {document} carries no seal",
    },
    "SEAL_FAINT": {
        "zh": "{document}的印章模糊不清",
        "en": "The seal on the {document} is faint",
    },
    "SEAL_NOT_ON_ISSUER": {
        "zh": "印章未压盖{field}名称",
        "en": "The seal does not cover the {field}'s name",
    },
    "LOW_OCR_CONFIDENCE": {
        "zh": "识别可信度较低（{confidence}），请人工核对",
        "en": "Recognition confidence is low ({confidence}); please check by hand",
    },
    "PAGES_NOT_READ": {
        "zh": "文件共{pages}页，只识别了前{read}页",
        "en": "The file has {pages} pages; only the first {read} were read",
    },
    "PHOTO_UNREADABLE": {
        "zh": "照片文件无法打开（{detail}）",
        "en": "The photo file cannot be opened ({detail})",
    },
    "PHOTO_FORMAT_INVALID": {
        "zh": "照片格式为{found}，应为{expected}",
        "en": "The photo is a {found} file; {expected} is required",
    },
    "PHOTO_SIZE_INVALID": {
        "zh": "照片尺寸为{width}×{height}像素，应为{expected_width}×{expected_height}像素",
        "en": "The photo is {width}×{height} px; {expected_width}×{expected_height} px is required",
    },
    "PHOTO_DPI_INVALID": {
        "zh": "照片分辨率为{found} dpi，应为{expected} dpi",
        "en": "The photo resolution is {found} dpi; {expected} dpi is required",
    },
    "PHOTO_DPI_MISSING": {
        "zh": "照片未记录分辨率，应为{expected} dpi",
        "en": "The photo records no resolution; {expected} dpi is required",
    },
    "PHOTO_COLOR_INVALID": {
        "zh": "照片色彩模式为{found}，应为24位RGB真彩色",
        "en": "The photo colour mode is {found}; 24-bit RGB is required",
    },
    "PHOTO_FILE_TOO_SMALL": {
        "zh": "照片文件大小为{kb} KB，小于{min_kb} KB",
        "en": "The photo file is {kb} KB, below {min_kb} KB",
    },
    "PHOTO_FILE_TOO_LARGE": {
        "zh": "照片文件大小为{kb} KB，超过{max_kb} KB",
        "en": "The photo file is {kb} KB, above {max_kb} KB",
    },
    "PHOTO_BACKGROUND_NOT_WHITE": {
        "zh": "照片背景不是白色（白色仅占边缘的{share}%，应至少{min_share}%）",
        "en": "The photo background is not white (white is {share}% of the border; at least {min_share}% "
        "is required)",
    },
}


def _missing_entries() -> dict[str, dict[str, str]]:
    entries = {}
    for name in FIELD_KINDS:
        label = FIELD_LABELS[name]
        entries[missing_code(name)] = {
            "zh": "{document}未注明" + label["zh"],
            "en": "The {document} does not state the " + label["en"],
        }
    return entries


CATALOG: dict[str, dict[str, str]] = {**_missing_entries(), **_FIXED}

_TYPE_PARAMS = ("document", "expected_type", "found_type")
_FIELD_PARAMS = ("field", "earlier", "later")


def _label(table: dict[str, dict[str, str]], key: Any, lang: str) -> Any:
    entry = table.get(key) if isinstance(key, str) else None
    return entry[lang] if entry else key


def message(code: str, params: dict[str, Any] | None = None, lang: str = "zh") -> str:
    """The text for a finding code with its parameters, in ``lang`` ("zh" or "en").

    An unknown code yields the code itself followed by its parameters, so nothing is hidden.

    :raises ValueError: when ``lang`` is not a catalog language.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    params = dict(params or {})
    template = CATALOG.get(code, {}).get(lang)
    if template is None:
        return f"{code} {params}" if params else code
    for key in _TYPE_PARAMS:
        if key in params:
            params[key] = _label(DOCUMENT_TYPE_LABELS, params[key], lang)
    for key in _FIELD_PARAMS:
        if key in params:
            params[key] = _label(FIELD_LABELS, params[key], lang)
    if "problem" in params:
        params["problem"] = _label(PROBLEM_LABELS, params["problem"], lang)
    if "reason" in params:
        params["reason"] = describe_identifier_issue(params["reason"], params.pop("reason_params", None) or {}, lang)
    if isinstance(params.get("positions"), list | tuple):
        params["positions"] = "、".join(str(p) for p in params["positions"]) if lang == "zh" else ", ".join(
            str(p) for p in params["positions"]
        )

    class _Keep(dict):
        def __missing__(self, key: str) -> str:
            return "—"

    return template.format_map(_Keep({k: ("—" if v is None else v) for k, v in params.items()}))


def document_label(doc_type: str | None, lang: str = "zh") -> str:
    """The name of a document type in ``lang``; "unknown" when there is none."""
    if doc_type is None:
        return "未知" if lang == "zh" else "unknown"
    return _label(DOCUMENT_TYPE_LABELS, doc_type, lang)


def field_label(field: str, lang: str = "zh") -> str:
    """The name of a field in ``lang``."""
    return _label(FIELD_LABELS, field, lang)


def value_label(field: str, value: Any, lang: str = "zh") -> Any:
    """A field value for display: choice codes translated, everything else as it is."""
    return _label(VALUE_LABELS.get(field, {}), value, lang)

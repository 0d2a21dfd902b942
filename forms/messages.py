"""Texts for the codes forms reports, in Simplified Chinese (default) and English, and the one way
every package's message texts are filled in.

forms itself returns codes with parameters; the web layer and the command line call :func:`describe`
(for findings) or :func:`describe_code` (e.g. for a load error's code and params) at the edge. Codes
of registered formats come with the registry's own texts (``Form.describe`` merges them).
:func:`render_param` and :func:`fill` put parameters into a template; casework's and the web's
catalogs use them too, so a size, a list or a JSON type reads the same wherever it is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from forms.findings import Finding

Catalog = Mapping[str, Mapping[str, str]]

MESSAGES: dict[str, dict[str, str]] = {
    # validation of data
    "REQUIRED": {"zh": "此项为必填项", "en": "This field is required"},
    "TYPE": {"zh": "应为{expected}", "en": "Expected {expected}"},
    "ENUM": {"zh": "请从给定选项中选择：{labels}", "en": "Choose one of: {labels}"},
    "CONST": {"zh": "取值应为 {expected}", "en": "The value must be {expected}"},
    "MIN_LENGTH": {"zh": "至少应有 {limit} 个字符", "en": "Use at least {limit} characters"},
    "MAX_LENGTH": {"zh": "最多 {limit} 个字符", "en": "Use at most {limit} characters"},
    "PATTERN": {"zh": "格式不正确", "en": "The format is not right"},
    "MINIMUM": {"zh": "不能小于 {limit}", "en": "Must be at least {limit}"},
    "MAXIMUM": {"zh": "不能大于 {limit}", "en": "Must be at most {limit}"},
    "EXCLUSIVE_MINIMUM": {"zh": "应大于 {limit}", "en": "Must be more than {limit}"},
    "EXCLUSIVE_MAXIMUM": {"zh": "应小于 {limit}", "en": "Must be less than {limit}"},
    "MULTIPLE_OF": {"zh": "应为 {multiple} 的整数倍", "en": "Must be a multiple of {multiple}"},
    "MIN_ITEMS": {"zh": "至少填写 {limit} 项", "en": "Give at least {limit} items"},
    "MAX_ITEMS": {"zh": "最多填写 {limit} 项", "en": "Give at most {limit} items"},
    "UNIQUE_ITEMS": {"zh": "各项不能重复", "en": "Items must not repeat"},
    "CONTAINS": {"zh": "缺少符合要求的项", "en": "No item meets the requirement"},
    "MIN_PROPERTIES": {"zh": "至少填写 {limit} 项", "en": "Fill in at least {limit} entries"},
    "MAX_PROPERTIES": {"zh": "最多填写 {limit} 项", "en": "Fill in at most {limit} entries"},
    "ADDITIONAL_PROPERTY": {"zh": "表单中没有“{property}”这一项", "en": "The form has no field '{property}'"},
    "UNEVALUATED_PROPERTY": {"zh": "包含表单中没有的项", "en": "Contains fields the form does not have"},
    "ADDITIONAL_ITEM": {"zh": "项数超出表单允许的范围", "en": "More items than the form allows"},
    "UNEVALUATED_ITEM": {"zh": "项数超出表单允许的范围", "en": "More items than the form allows"},
    "ANY_OF": {"zh": "不符合任何一种允许的填写方式", "en": "Matches none of the allowed alternatives"},
    "ONE_OF": {"zh": "应恰好符合一种填写方式", "en": "Must match exactly one of the alternatives"},
    "NOT": {"zh": "此取值不被允许", "en": "This value is not allowed"},
    "NOT_ALLOWED": {"zh": "此处不应填写内容", "en": "Nothing may be given here"},
    "INVALID": {"zh": "填写内容无效（{keyword}）", "en": "Invalid value ({keyword})"},
    "FORMAT": {"zh": "格式不正确（{format}）", "en": "Not a valid {format}"},
    "DATE_INVALID": {"zh": "应为有效日期，格式 YYYY-MM-DD", "en": "Expected a real date as YYYY-MM-DD"},
    "DATE_TIME_INVALID": {
        "zh": "应为带时区的日期时间，如 2024-07-01T09:00:00+08:00",
        "en": "Expected a date and time with offset, e.g. 2024-07-01T09:00:00+08:00",
    },
    "EMAIL_INVALID": {"zh": "电子邮箱地址格式不正确", "en": "Not a valid e-mail address"},
    "YEAR_MONTH_INVALID": {
        "zh": "应为“年-月”格式，如 2024-07",
        "en": "Expected a year and month as YYYY-MM, e.g. 2024-07",
    },
    # files
    "FILE_REFERENCE_INVALID": {"zh": "请上传文件", "en": "Upload a file"},
    "FILE_TOO_LARGE": {
        "zh": "文件过大：{size_bytes}，上限为 {limit_bytes}",
        "en": "The file is too large: {size_bytes}; the limit is {limit_bytes}",
    },
    "FILE_TYPE_NOT_ALLOWED": {
        "zh": "不接受此文件类型（{content_type}），允许：{accept}",
        "en": "This file type ({content_type}) is not accepted; allowed: {accept}",
    },
    "FILE_EMPTY": {"zh": "文件为空", "en": "The file is empty"},
    "FILE_NAME_INVALID": {
        "zh": "文件名无效（不能为空、不能含路径或控制字符，最长 {max_length} 个字符）",
        "en": "Invalid file name (not empty, no path or control characters, at most {max_length} characters)",
    },
    "FILE_FIELD_UNKNOWN": {
        "zh": "表单中没有名为“{path}”的上传项",
        "en": "The form has no file field '{path}'",
    },
    # loading form files (designers)
    "FORM_PATH_OUTSIDE_BASE": {
        "zh": "表单文件 {file} 不在流程目录内",
        "en": "Form file {file} lies outside the process folder",
    },
    "FORM_FILE_NOT_FOUND": {"zh": "找不到表单文件 {file}", "en": "Form file {file} not found"},
    "FORM_SOURCE_TOO_LARGE": {
        "zh": "表单文件 {file} 超过 {limit_bytes}",
        "en": "Form file {file} is larger than {limit_bytes}",
    },
    "FORM_NOT_UTF8": {"zh": "表单文件 {file} 不是 UTF-8 编码", "en": "Form file {file} is not UTF-8 text"},
    "FORM_JSON_SYNTAX": {
        "zh": "表单文件 {file} 第 {line} 行第 {column} 列 JSON 语法错误：{reason}",
        "en": "Form file {file}, line {line} column {column}: JSON syntax error: {reason}",
    },
    "FORM_JSON_DUPLICATE_KEY": {
        "zh": "表单文件 {file} 中键“{key}”重复出现",
        "en": "Form file {file} repeats the key '{key}'",
    },
    "FORM_TOO_DEEP": {
        "zh": "表单文件 {file} 嵌套超过 {limit} 层",
        "en": "Form file {file} nests deeper than {limit} levels",
    },
    "FORM_ROOT_NOT_OBJECT": {
        "zh": '表单文件 {file} 的根节点应为 "type": "object" 的 JSON 对象',
        "en": 'Form file {file}: the root must be a JSON object with "type": "object"',
    },
    "FORM_DIALECT_UNSUPPORTED": {
        "zh": "表单文件 {file} 的 $schema（{schema_uri}）不受支持，请使用 draft-07 或 2020-12",
        "en": "Form file {file}: $schema {schema_uri} is not supported; use draft-07 or 2020-12",
    },
    "FORM_SCHEMA_INVALID": {
        "zh": "表单文件 {file} 在 {element} 处不是有效的 JSON Schema：{reason}",
        "en": "Form file {file} is not a valid JSON Schema at {element}: {reason}",
    },
    "FORM_UNKNOWN_KEYWORD": {
        "zh": "表单文件 {file} 在 {element} 处使用了 {dialect} 不认识的关键字“{keyword}”（自定义键请以 x- 开头）",
        "en": "Form file {file} uses '{keyword}' at {element}, unknown to {dialect} (own keys start with x-)",
    },
    "FORM_REF_NOT_LOCAL": {
        "zh": "表单文件 {file} 在 {element} 处引用了外部内容 {ref}；只允许以 # 开头的文件内引用",
        "en": "Form file {file} refers outside itself at {element} ({ref}); only references starting with # are allowed",
    },
    "FORM_REF_UNRESOLVED": {
        "zh": "表单文件 {file} 在 {element} 处的引用 {ref} 找不到目标",
        "en": "Form file {file}: reference {ref} at {element} points to nothing",
    },
    "FORM_NESTED_ID": {
        "zh": "表单文件 {file} 在 {element} 处使用了 $id；只有根节点可以有 $id",
        "en": "Form file {file} has an $id at {element}; only the root may have one",
    },
    "FORM_UNKNOWN_FORMAT": {
        "zh": "表单文件 {file} 在 {element} 处使用了未知格式“{format}”，可用格式：{known}",
        "en": "Form file {file} uses the unknown format '{format}' at {element}; known formats: {known}",
    },
    "FORM_DATA_URL_UNSUPPORTED": {
        "zh": '表单文件 {file} 在 {element} 处使用了 data-url；上传文件请写 "type": "object", "format": "file"',
        "en": 'Form file {file} uses data-url at {element}; for uploads write "type": "object", "format": "file"',
    },
    "FORM_FILE_FIELD_INVALID": {
        "zh": "表单文件 {file} 在 {element} 处的上传项设置有误：{reason}",
        "en": "Form file {file}: the file field at {element} is wrong: {reason}",
    },
    "FORM_UI_SCHEMA_INVALID": {
        "zh": "界面文件 {file} 的根节点应为 JSON 对象",
        "en": "UI schema file {file}: the root must be a JSON object",
    },
}

_TYPE_WORDS = {
    "string": ("文本", "text"),
    "integer": ("整数", "a whole number"),
    "number": ("数字", "a number"),
    "boolean": ("是或否", "yes or no"),
    "object": ("一组字段", "a group of fields"),
    "array": ("列表", "a list"),
    "null": ("空值", "nothing"),
}
_OR_WORDS = {"zh": " 或 ", "en": " or "}


def language(lang: str | None) -> Literal["zh", "en"]:
    """``en`` for English language tags and locales (``en``, ``en-GB``), otherwise the default ``zh``."""
    return "en" if lang and lang.lower().startswith("en") else "zh"


def separator(lang: str | None) -> str:
    """What joins the items of a list in a message: ``、`` in Chinese, ``, `` in English."""
    return ", " if language(lang) == "en" else "、"


def human_size(n: int) -> str:
    """``5 MB``, ``300 KB``, ``12 B``: a byte count for people (1024-based)."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= factor:
            value = n / factor
            return f"{value:.0f} {unit}" if value == int(value) or value >= 10 else f"{value:.1f} {unit}"
    return f"{n} B"


def render_param(
    code: str,
    key: str,
    value: Any,
    lang: str | None,
    *,
    item: Callable[[Any], Any] = lambda v: v,
    type_word: Callable[[str], str] | None = None,
    or_word: str | None = None,
) -> Any:
    """One parameter as a message shows it: ``*_bytes`` as a size, the ``expected`` JSON types of
    ``TYPE`` in words, lists joined with the language's separator; everything else, and each list
    item, through ``item`` (the web translates nested codes and masks numbers there)."""
    which = language(lang)
    if key.endswith("_bytes") and isinstance(value, int) and not isinstance(value, bool):
        return human_size(value)
    if code == "TYPE" and key == "expected":
        names = value if isinstance(value, list) else [value]
        word = type_word or (lambda n: _TYPE_WORDS.get(n, (n, n))[0 if which == "zh" else 1])
        return (or_word or _OR_WORDS[which]).join(word(str(n)) for n in names)
    if isinstance(value, list | tuple):
        return separator(lang).join(str(item(v)) for v in value)
    return item(value)


class _KeepMissing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, values: Mapping[str, Any]) -> str:
    """``template`` with its ``{name}`` placeholders filled; a missing value stays as ``{name}``, and a
    template that cannot be filled comes back as it is."""
    try:
        return template.format_map(_KeepMissing(values))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


def describe_code(
    code: str, params: Mapping[str, Any] | None = None, lang: str = "zh", *, catalog: Catalog | None = None
) -> str:
    """The text for ``code`` in ``lang`` (zh default, en), from ``catalog`` first, then forms' own.

    An unknown code comes back as the code itself; a missing parameter stays as ``{name}``.
    """
    entry = (catalog or {}).get(code) or MESSAGES.get(code)
    if entry is None:
        return code
    template = entry.get(language(lang)) or entry.get("zh") or code
    return fill(template, {k: render_param(code, k, v, lang) for k, v in (params or {}).items()})


def describe(finding: Finding, lang: str = "zh", *, catalog: Catalog | None = None) -> str:
    """The text of a finding in ``lang``; ``catalog`` adds texts for registered formats' codes."""
    return describe_code(finding.code, finding.params, lang, catalog=catalog)

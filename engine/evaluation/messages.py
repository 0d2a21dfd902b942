"""Texts for the restricted evaluator's error codes, in Simplified Chinese (default) and English.

Errors travel as codes with parameters (see :mod:`engine.errors`); the web and the command line call
:func:`message` at the edge. Every refusal and limit carries ``line``; parameters named in the texts
below are always present on errors with that code.
"""

from __future__ import annotations

from typing import Any

LANGS = ("zh", "en")

MESSAGES: dict[str, dict[str, str]] = {
    # Refused before (or, for a value of an unexpected type, while) running: EvaluationRefused.
    "EVALUATION_SYNTAX_ERROR": {
        "zh": "第 {line} 行不是有效的 Python 表达式或脚本：{detail}",
        "en": "Line {line} is not a valid Python expression or script: {detail}",
    },
    "EVALUATION_SOURCE_TOO_LONG": {
        "zh": "表达式或脚本长 {length} 个字符，超过上限 {limit}。",
        "en": "The expression or script is {length} characters long, over the limit of {limit}.",
    },
    "EVALUATION_REFUSED_CONSTRUCT": {
        "zh": "第 {line} 行使用了不允许的语法：{construct}。",
        "en": "Line {line} uses a construct that is not allowed: {construct}.",
    },
    "EVALUATION_REFUSED_NAME": {
        "zh": "第 {line} 行使用了不允许的名称 {name}。",
        "en": "Line {line} uses the name {name}, which is not allowed.",
    },
    "EVALUATION_REFUSED_DUNDER": {
        "zh": "第 {line} 行使用了以下划线开头的名称或属性 {name}；不允许访问内部属性。",
        "en": "Line {line} uses {name}, which starts with an underscore; internal attributes are not allowed.",
    },
    "EVALUATION_REFUSED_ATTRIBUTE": {
        "zh": "第 {line} 行读取了不允许的属性 {name}。",
        "en": "Line {line} reads the attribute {name}, which is not allowed.",
    },
    "EVALUATION_REFUSED_VALUE_ATTRIBUTE": {
        "zh": "第 {line} 行读取了 {type} 类型值的属性 {name}，这是不允许的。",
        "en": "Line {line} reads the attribute {name} of a value of type {type}, which is not allowed.",
    },
    "EVALUATION_REFUSED_FORMAT": {
        "zh": "第 {line} 行使用了 {name}；不允许 str.format、format_map 及含表达式的格式说明，请使用 f 字符串。",
        "en": "Line {line} uses {name}; str.format, format_map and format specs with fields are not "
        "allowed, use an f-string.",
    },
    # Stopped while running: EvaluationLimitExceeded.
    "EVALUATION_STEP_LIMIT": {
        "zh": "第 {line} 行：计算超过了 {limit} 步的上限（循环或函数调用过多）。",
        "en": "Line {line}: the evaluation went over its limit of {limit} steps (too many loop "
        "iterations or calls).",
    },
    "EVALUATION_TIME_LIMIT": {
        "zh": "第 {line} 行：计算超过了 {limit} 秒的时限。",
        "en": "Line {line}: the evaluation went over its time limit of {limit} seconds.",
    },
    "EVALUATION_SIZE_LIMIT": {
        "zh": "第 {line} 行：结果将有 {size} 个元素或字符，超过上限 {limit}。",
        "en": "Line {line}: the result would have {size} items or characters, over the limit of {limit}.",
    },
    "EVALUATION_INT_LIMIT": {
        "zh": "第 {line} 行：整数将有约 {digits} 位，超过上限 {limit} 位。",
        "en": "Line {line}: the integer would have about {digits} digits, over the limit of {limit}.",
    },
    "EVALUATION_MEMORY_LIMIT": {
        "zh": "第 {line} 行：计算期间内存增长了 {size} MB，超过上限 {limit} MB。",
        "en": "Line {line}: memory grew by {size} MB during the evaluation, over the limit of {limit} MB.",
    },
    "EVALUATION_DEPTH_LIMIT": {
        "zh": "第 {line} 行：函数调用或数据嵌套超过了 {limit} 层的上限。",
        "en": "Line {line}: function calls or data nesting went deeper than the limit of {limit}.",
    },
    # The evaluated code itself raised: EvaluationError.
    "EVALUATION_ERROR": {
        "zh": "第 {line} 行出错：{error_type}：{error}",
        "en": "Line {line} failed: {error_type}: {error}",
    },
    # A script engine was asked to call a service itself instead of deferring it to a job.
    "SERVICE_CALL_NOT_DEFERRED": {
        "zh": "服务任务 {task} 的调用 {operation} 应交由作业执行，脚本引擎不直接调用服务。",
        "en": "The call {operation} of service task {task} must be deferred to a job; the script "
        "engine never calls services itself.",
    },
}


def message(code: str, lang: str = "zh", **params: Any) -> str:
    """The text for ``code`` in ``lang`` ("zh" or "en") with ``params`` filled in; the code if unknown."""
    texts = MESSAGES.get(code)
    if texts is None:
        return code
    text = texts.get(lang) or texts["zh"]
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text

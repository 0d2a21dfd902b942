"""Texts for the connectors' codes in Simplified Chinese and English: business error codes raised to
BPMN (``BusinessError.code``), technical failure codes (``AdapterCallFailed.code``) and parameter
problems. The web and the command line call :func:`text` at the edge; unknown codes come back as is.
"""

from __future__ import annotations

from typing import Any

CATALOG: dict[str, dict[str, str]] = {
    # technical failures (the engine retries them)
    "ADAPTER_NOT_CONFIGURED": {
        "zh": "未配置{service}接口（请设置 {variable}）",
        "en": "The {service} adapter is not configured (set {variable})",
    },
    "ADAPTER_TIMEOUT": {"zh": "{service}接口 {path} 超时（{seconds} 秒）", "en": "{service} {path} timed out after {seconds} s"},
    "ADAPTER_UNREACHABLE": {"zh": "无法连接{service}接口（{path}）", "en": "Cannot reach the {service} adapter ({path})"},
    "ADAPTER_SERVER_ERROR": {"zh": "{service}接口 {path} 返回错误 {status}", "en": "{service} {path} answered {status}"},
    "ADAPTER_THROTTLED": {"zh": "{service}接口限流（{path}）", "en": "{service} is throttling calls ({path})"},
    "ADAPTER_AUTH_FAILED": {
        "zh": "{service}接口拒绝了签名（{reason}），请检查应用标识与密钥",
        "en": "{service} refused the signature ({reason}); check the app key and secret",
    },
    "ADAPTER_MALFORMED_RESPONSE": {
        "zh": "{service}接口 {path} 的应答无法解析",
        "en": "{service} {path} gave an answer that cannot be read",
    },
    "ADAPTER_UNEXPECTED_ANSWER": {
        "zh": "{service}接口 {path} 的应答不符合接口规范（{status} {reason}）",
        "en": "{service} {path} answered outside the adapter API ({status} {reason})",
    },
    # parameters given by the BPMN service task
    "INVALID_PARAMETERS": {"zh": "服务任务参数有误：{summary}", "en": "Invalid service-task parameters: {summary}"},
    "UNKNOWN_BANK": {"zh": "未配置合作银行 {bank}", "en": "No partner bank {bank} is configured"},
    # business refusals of the bureau
    "INVALID_REQUEST": {"zh": "经办机构认为请求内容有误：{summary}", "en": "The adapter found the request invalid: {summary}"},
    "INVALID_RESIDENT_ID": {"zh": "公民身份号码不正确（{reason}）", "en": "The resident ID number is invalid ({reason})"},
    "EMPLOYER_NOT_REGISTERED": {"zh": "单位未在{region}办理参保登记", "en": "The employer is not registered in region {region}"},
    "NOT_INSURED": {"zh": "该人员在本单位无在保记录", "en": "The person is not insured with this employer"},
    "PERSON_NOT_FOUND": {"zh": "经办机构没有该人员的参保记录", "en": "The bureau has no record of this person"},
    "NO_RECORD_IN_REGION": {"zh": "该人员在{region}无参保缴费记录", "en": "No contribution record in region {region}"},
    "OUTSIDE_FILING_WINDOW": {
        "zh": "不在申报期内（每月{window_start_day}日至{window_end_day}日），下一申报期自{next_window_opens}开始",
        "en": "Outside the filing window (days {window_start_day}–{window_end_day}); next window opens {next_window_opens}",
    },
    "ARREARS": {"zh": "单位存在欠费（{amount}元），须先补缴", "en": "The employer has arrears ({amount} yuan) to pay first"},
    "SEPARATION_IN_FUTURE": {"zh": "离职日期晚于今天", "en": "The separation date is in the future"},
    "ALREADY_STOPPED": {"zh": "已办理减员", "en": "Contributions were stopped already"},
    "LATE_ENROLMENT": {
        "zh": "超过30日参保登记期限（期限{deadline}，逾期{days_late}天）",
        "en": "Enrolment is late (deadline {deadline}, {days_late} days late)",
    },
    "ALREADY_ENROLLED": {"zh": "已在本单位参保", "en": "Already enrolled with this employer"},
    "ACTIVE_ELSEWHERE": {"zh": "在其他单位（{region}）仍在缴费", "en": "Still contributing with another employer ({region})"},
    "STILL_CONTRIBUTING": {"zh": "在{region}仍在缴费，暂不能开具凭证", "en": "Still contributing in {region}; no certificate yet"},
    "SAME_REGION": {"zh": "转出地与转入地相同", "en": "Outgoing and incoming region are the same"},
    "TRANSFER_IN_PROGRESS": {"zh": "已有办理中的转移申请（{application_id}）", "en": "A transfer is in progress ({application_id})"},
    "TRANSFER_NOT_FOUND": {"zh": "没有该转移申请", "en": "No such transfer application"},
    "TRANSFER_REFUSED": {"zh": "转移申请未被受理：{reason}", "en": "The transfer was refused: {reason_code}"},
    # business refusals of the banks
    "DUPLICATE_CARD": {"zh": "本省已有有效社会保障卡（{banks}），不能重复申领", "en": "A valid card exists in the province ({banks})"},
    "CARD_NOT_FOUND": {"zh": "该银行没有此人的社会保障卡", "en": "The bank has no card of this person"},
    "CARD_NOT_READY": {"zh": "卡片尚未制成（{status}）", "en": "The card is not ready ({status})"},
    "CARD_NOT_ISSUED": {"zh": "卡片尚未发放（{status}）", "en": "The card has not been issued ({status})"},
    "CARD_STATE_INVALID": {"zh": "卡片状态（{status}）不允许此操作", "en": "The card's status ({status}) does not allow this"},
    "ALREADY_ENABLED": {"zh": "社保功能已启用", "en": "The social-security function is enabled already"},
    "ALREADY_ACTIVATED": {"zh": "金融功能已激活", "en": "The bank function is activated already"},
    "ALREADY_REPORTED_LOST": {"zh": "卡片已挂失", "en": "The card is reported lost already"},
    "NOT_REPORTED_LOST": {"zh": "卡片未挂失", "en": "The card is not reported lost"},
    "REPLACEMENT_ALREADY_APPLIED": {"zh": "已申请补换卡，不能解除挂失", "en": "A replacement was applied for"},
    "LOSS_NOT_REPORTED": {"zh": "补卡前须先挂失", "en": "Report the loss before replacing"},
    "BANK_ACCOUNT_OPEN": {"zh": "银行账户未销户", "en": "The bank account is still open"},
    "PHOTO_REQUIRED": {"zh": "须提供相片", "en": "A photo is required"},
    "PHOTO_INVALID": {"zh": "相片不符合要求（{reason}）", "en": "The photo is not acceptable ({reason})"},
    "PHOTO_NOT_FOUND": {"zh": "找不到相片附件 {attachment_id}", "en": "Photo attachment {attachment_id} not found"},
}


def text(code: str, lang: str = "zh", /, **params: Any) -> str:
    """The text of ``code`` in ``lang`` (``zh`` or ``en``) with ``params`` filled in; the code itself if unknown."""
    entry = CATALOG.get(code)
    if entry is None:
        return code
    template = entry.get(lang) or entry["zh"]
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template

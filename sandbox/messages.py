"""The sandbox services' answers to people: stable codes with Simplified Chinese and English texts.

The services answer in Chinese by default (``Accept-Language: en`` gives English); the code and the
``details`` object are what callers act on.
"""

from __future__ import annotations

from typing import Any

CATALOG: dict[str, dict[str, str]] = {
    # transport and protocol
    "SIGNATURE_MISSING": {"zh": "缺少签名信息（X-App-Key、X-Timestamp、X-Signature）", "en": "Signature headers are missing"},
    "UNKNOWN_APP_KEY": {"zh": "应用标识未登记", "en": "Unknown app key"},
    "SIGNATURE_EXPIRED": {"zh": "请求时间戳已过期", "en": "The request timestamp is stale"},
    "SIGNATURE_INVALID": {"zh": "签名校验失败", "en": "The signature does not match"},
    "IDEMPOTENCY_KEY_REQUIRED": {"zh": "办理类请求必须携带 Idempotency-Key", "en": "This request needs an Idempotency-Key"},
    "IDEMPOTENCY_KEY_REUSED": {
        "zh": "Idempotency-Key 已用于另一笔不同的请求",
        "en": "The Idempotency-Key was used for a different request",
    },
    "SERVICE_UNAVAILABLE": {"zh": "系统繁忙，请稍后重试", "en": "The service is busy, try again later"},
    "INTERNAL_ERROR": {"zh": "系统内部错误", "en": "Internal error"},
    "NOT_FOUND": {"zh": "接口不存在", "en": "No such endpoint"},
    "METHOD_NOT_ALLOWED": {"zh": "不支持该请求方法", "en": "Method not allowed"},
    "INVALID_REQUEST": {"zh": "请求内容不符合要求：{summary}", "en": "The request is invalid: {summary}"},
    "INVALID_RESIDENT_ID": {"zh": "公民身份号码不正确（{reason}）", "en": "The resident ID number is invalid ({reason})"},
    # bureau
    "EMPLOYER_NOT_REGISTERED": {
        "zh": "单位未在本统筹区（{region}）办理参保登记",
        "en": "The employer is not registered in region {region}",
    },
    "NOT_INSURED": {"zh": "未查询到该人员在本单位的参保缴费记录", "en": "No active insurance of this person with this employer"},
    "NO_RECORD_IN_REGION": {
        "zh": "未查询到该人员在{region}的参保缴费记录",
        "en": "No contribution record of this person in region {region}",
    },
    "PERSON_NOT_FOUND": {"zh": "未查询到该人员的参保记录", "en": "No insurance record for this person"},
    "OUTSIDE_FILING_WINDOW": {
        "zh": "不在本月申报期内（每月{window_start_day}日至{window_end_day}日），下一申报期自{next_window_opens}开始",
        "en": "Outside the monthly filing window (days {window_start_day} to {window_end_day}); "
        "the next window opens on {next_window_opens}",
    },
    "ARREARS": {
        "zh": "单位存在欠费（{months_text}，合计{amount}元），请补缴后再办理",
        "en": "The employer has arrears ({months_text}, {amount} yuan in all); pay them first",
    },
    "SEPARATION_IN_FUTURE": {"zh": "离职日期（{separation_date}）晚于当前日期", "en": "The separation date {separation_date} is in the future"},
    "ALREADY_STOPPED": {"zh": "该人员已办理减员", "en": "The person has been removed already"},
    "LATE_ENROLMENT": {
        "zh": "超过用工之日起30日的参保登记期限（应于{deadline}前办理，已逾期{days_late}天）",
        "en": "Later than 30 days after the first day of employment (deadline {deadline}, {days_late} days late)",
    },
    "ALREADY_ENROLLED": {"zh": "该人员已在本单位参保", "en": "The person is enrolled with this employer already"},
    "ACTIVE_ELSEWHERE": {
        "zh": "该人员在其他单位（统筹区{region}）仍为正常缴费状态，请原单位先办理减员",
        "en": "The person is still contributing with another employer (region {region}); the old employer must remove them first",
    },
    "STILL_CONTRIBUTING": {
        "zh": "该人员在本统筹区（{region}）仍为正常缴费状态，暂不能开具参保缴费凭证",
        "en": "The person is still contributing in region {region}; no contribution certificate yet",
    },
    "SAME_REGION": {"zh": "转出地与转入地相同，无需办理转移", "en": "Outgoing and incoming region are the same"},
    "TRANSFER_IN_PROGRESS": {"zh": "该人员已有一笔正在办理的转移申请（{application_id}）", "en": "A transfer is in progress already ({application_id})"},
    "TRANSFER_NOT_FOUND": {"zh": "未查询到该转移申请", "en": "No such transfer application"},
    # transfer refusal reasons (stage "refused")
    "OUTGOING_NOT_SUSPENDED": {"zh": "转出地参保关系未中止", "en": "The outgoing account is not suspended"},
    "INCOMING_NOT_ENROLLED": {"zh": "转入地未参保缴费", "en": "Not enrolled in the incoming region"},
    "OUTGOING_ARREARS": {"zh": "转出地存在欠缴", "en": "Arrears in the outgoing region"},
    "PENSION_IN_PAYMENT": {"zh": "已按月领取基本养老金，不能办理转移", "en": "A pension is being paid; no transfer"},
    "TEMPORARY_ACCOUNT_REQUIRED": {
        "zh": "非户籍地且男满50周岁、女满40周岁，应在转入地建立临时基本养老保险缴费账户",
        "en": "Men 50+ and women 40+ outside their hukou province get a temporary contribution account instead",
    },
    # banks
    "DUPLICATE_CARD": {"zh": "该人员在本省已有有效社会保障卡，请勿重复申领", "en": "The person already has a valid card in this province"},
    "CARD_NOT_FOUND": {"zh": "未查询到该人员在本行的社会保障卡", "en": "No card of this person at this bank"},
    "CARD_NOT_READY": {"zh": "卡片尚未制成（当前状态：{status}）", "en": "The card is not ready for collection (status {status})"},
    "CARD_NOT_ISSUED": {"zh": "卡片尚未发放（当前状态：{status}）", "en": "The card has not been issued (status {status})"},
    "CARD_STATE_INVALID": {"zh": "当前卡片状态（{status}）不能办理该业务", "en": "The card's status ({status}) does not allow this"},
    "ALREADY_ENABLED": {"zh": "社保功能已启用", "en": "The social-security function is enabled already"},
    "ALREADY_ACTIVATED": {"zh": "金融功能已激活", "en": "The bank function is activated already"},
    "ALREADY_REPORTED_LOST": {"zh": "卡片已挂失", "en": "The card is reported lost already"},
    "NOT_REPORTED_LOST": {"zh": "卡片未挂失", "en": "The card is not reported lost"},
    "REPLACEMENT_ALREADY_APPLIED": {"zh": "已申请补换卡，不能解除挂失", "en": "A replacement was applied for; the loss report stays"},
    "LOSS_NOT_REPORTED": {"zh": "补卡前须先办理挂失", "en": "Report the loss before applying for a replacement"},
    "BANK_ACCOUNT_OPEN": {"zh": "银行账户尚未销户，请先到银行网点办理销户", "en": "Close the bank account at a branch first"},
    "PHOTO_REQUIRED": {"zh": "年满7周岁的申领人须提供相片", "en": "Applicants aged 7 or more need a photo"},
    "PHOTO_INVALID": {"zh": "相片不符合要求（{reason}）", "en": "The photo is not acceptable ({reason})"},
}


def text(code: str, lang: str = "zh", /, **params: Any) -> str:
    """The catalog text of ``code`` in ``lang`` (``zh`` or ``en``) with ``params`` filled in."""
    entry = CATALOG.get(code)
    if entry is None:
        return code
    template = entry.get(lang) or entry["zh"]
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template

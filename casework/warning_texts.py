"""Reference texts (zh, en) of the warning codes and their consequence codes in casework.warnings.

Placeholders are the warning's parameters. The web translates codes with its own catalogue and may
start from these; [L] marks local practice that differs by region.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # -- warnings ------------------------------------------------------------------------------------
    "GAP_FORECAST": {
        "zh": "预计断缴 {gap_months} 个月：原参保地最后缴费月 {last_paid_month}，新单位起缴月 {start_month}",
        "en": "Expected contribution gap of {gap_months} months: last paid {last_paid_month}, new place starts {start_month}",
    },
    "MEDICAL_WAITING_PERIOD": {
        "zh": "医保断缴 {gap_months} 个月（超过 3 个月），新参保地可设置最长 {max_wait_months} 个月的待遇等待期",
        "en": "Medical insurance gap of {gap_months} months (over 3): the new place may apply a waiting period of up to {max_wait_months} months",
    },
    "CONTINUITY_BROKEN": {
        "zh": "社保连续缴费将中断 {gap_months} 个月",
        "en": "Continuous contributions will break for {gap_months} months",
    },
    "BASE_CONFLICT": {
        "zh": "申报的缴费基数 {new_base} 与原参保地基数 {old_base} 差异较大，请核实",
        "en": "The declared contribution base {new_base} differs markedly from the previous base {old_base}; please check",
    },
    "BASE_OUT_OF_BOUNDS": {
        "zh": "缴费基数 {base} 超出当地上下限（{lower}–{upper}）",
        "en": "Contribution base {base} is outside the local limits ({lower}-{upper})",
    },
    "DUPLICATE_CARDS": {
        "zh": "发现 {count} 张有效社保卡（{banks}）",
        "en": "{count} active social security cards found ({banks})",
    },
    "ENROLMENT_DEADLINE_AT_RISK": {
        "zh": "参保登记期限 {deadline} 临近",
        "en": "The enrolment deadline {deadline} is near",
    },
    "ENROLMENT_DEADLINE_MISSED": {
        "zh": "已超过参保登记期限 {deadline}",
        "en": "The enrolment deadline {deadline} has passed",
    },
    "STAGE_OVERDUE": {
        "zh": "环节“{stage}”已超过办理时限",
        "en": "Stage “{stage}” is past its time limit",
    },
    "UNVERIFIED_LOCAL_RULE": {
        "zh": "{region} 的“{decision}”规则缺少已核实的当地依据，按上级或全国规则处理",
        "en": "No verified local rule for “{decision}” in {region}; the provincial or national rule was applied",
    },
    "FILING_WINDOW_MISSED": {
        "zh": "已错过本月申报期，将在下一申报期（{next_window_opens} 起）办理",
        "en": "This month's filing window was missed; the filing will be made in the next window (opens {next_window_opens})",
    },
    "TEMPORARY_ACCOUNT": {
        "zh": "{age} 岁，户籍所在省 {hukou_province} 与新参保地不同：新参保地将建立临时缴费账户",
        "en": "Aged {age} with hukou in province {hukou_province}, not the new place: a temporary contribution account will be opened",
    },
    "OCR_FINDINGS": {
        "zh": "材料“{document}”识别发现问题：{findings}",
        "en": "Document “{document}” has findings: {findings}",
    },
    # -- consequences -------------------------------------------------------------------------------
    "CONSEQUENCE_GAP_PENSION_YEARS": {
        "zh": "养老保险缴费年限累计计算：断缴月份不计入缴费年限（最低 15 年，2030 年起每年增加 6 个月，直至 20 年），除非按规定补缴",
        "en": "Pension years add up: unpaid months do not count towards the minimum (15 years, rising by 6 months a year from 2030 to 20) unless back-paid where allowed",
    },
    "CONSEQUENCE_GAP_BACK_PAY": {
        "zh": "断缴不超过 3 个月的，医保一般可按规定补缴，待遇不受影响",
        "en": "A gap of up to 3 months can usually be back-paid for medical insurance without loss of benefit",
    },
    "CONSEQUENCE_MEDICAL_WAITING_PERIOD": {
        "zh": "职工医保中断超过 3 个月，新参保地可设置不超过 6 个月的待遇等待期，期间发生的医疗费用不予报销（医保办发〔2021〕43号）",
        "en": "After a medical-insurance gap of more than 3 months the new place may set a waiting period of up to 6 months during which medical costs are not reimbursed (医保办发〔2021〕43号)",
    },
    "CONSEQUENCE_CONTINUITY_ELIGIBILITY": {
        "zh": "以连续缴费为条件的资格将重新计算，例如北京购房需连续缴纳 60 个月 [L]，积分落户、子女入学等亦可能受影响 [L]",
        "en": "Eligibility based on continuous contributions restarts, e.g. Beijing home purchase needs 60 continuous months [L]; hukou points and school places may be affected [L]",
    },
    "CONSEQUENCE_BASE_CONFIRM": {
        "zh": "请与员工核实工资，确认申报基数后再提交",
        "en": "Confirm the wage with the employee before submitting the base",
    },
    "CONSEQUENCE_BASE_ADJUSTED": {
        "zh": "缴费基数须在当地社平工资的 60%–300% 之间；超出部分经办机构将按上下限调整或退回申报（国办发〔2019〕13号）",
        "en": "The base must lie between 60% and 300% of the local average wage; the bureau adjusts it to the limit or refuses the filing (国办发〔2019〕13号)",
    },
    "CONSEQUENCE_DUPLICATE_CARDS": {
        "zh": "一人一卡：请注销多余的有效社保卡（银行账户需在银行销户），再申领或换发",
        "en": "One card per person: cancel the extra active cards (the bank account is closed at the bank) before applying or replacing",
    },
    "CONSEQUENCE_ENROLMENT_DEADLINE": {
        "zh": "用人单位应自用工之日起 30 日内办理社会保险登记（社会保险法第五十八条）",
        "en": "The employer must register the employee within 30 days of the first day of employment (Social Insurance Law art. 58)",
    },
    "CONSEQUENCE_ENROLMENT_LATE": {
        "zh": "逾期未登记的，由社会保险行政部门责令限期改正，并可处罚款（社会保险法第八十四条）；请尽快办理并补缴",
        "en": "Late registration can be ordered corrected and fined (Social Insurance Law art. 84); register and back-pay as soon as possible",
    },
    "CONSEQUENCE_STAGE_ESCALATED": {
        "zh": "已提醒人事负责人跟进；必要时向经办机构查询进度",
        "en": "The HR lead has been alerted; ask the bureau for the status if needed",
    },
    "CONSEQUENCE_CONFIRM_LOCALLY": {
        "zh": "请向当地经办机构确认后再继续，办理不受阻断",
        "en": "Confirm with the local bureau; the case is not blocked",
    },
    "CONSEQUENCE_FILING_NEXT_WINDOW": {
        "zh": "减员在下一申报期生效前，可能还需为该月缴费",
        "en": "Until the removal takes effect in the next window, another month's contribution may be due",
    },
    "CONSEQUENCE_TEMPORARY_ACCOUNT": {
        "zh": "男性年满 50 周岁、女性年满 40 周岁跨省流动到非户籍地参保的，基本养老保险关系保留在原参保地，新参保地建立临时缴费账户（国办发〔2009〕66号）",
        "en": "Men aged 50+ and women aged 40+ moving to a province that is not their hukou province keep their pension relationship at the old place; the new place opens a temporary contribution account (国办发〔2009〕66号)",
    },
    "CONSEQUENCE_OCR_CHECK": {
        "zh": "请人工核对该材料后再审核通过",
        "en": "Check the document by hand before approving",
    },
}

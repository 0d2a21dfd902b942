"""Reads the fields of each document type from its recognised lines."""

from __future__ import annotations

import re
from datetime import date

from connectors.ocr.doctypes import CONTRACT, CONTRIBUTION, ID_CARD, SEPARATION
from connectors.ocr.extract_common import (
    Extraction,
    Lines,
    find_credit_code,
    find_resident_id,
    label_value,
    org_name,
    person_name,
)
from connectors.ocr.names import ETHNIC_GROUPS
from connectors.ocr.text import CJK, find_amounts, find_dates, find_months

ENTRY_WORDS = ("入职", "到岗", "入司", "起在", "加入", "进入")
LEAVE_WORDS = ("离职", "解除", "终止", "离开")
ISSUE_WORDS = ("日期", "出具", "开具", "打印")
_CLAUSE_END = re.compile(r"[,。;!]")


class _Mention:
    """A date with the words of its clause just before it (on its line) and just after it."""

    def __init__(self, value: date, before: str, after: str, standalone: bool) -> None:
        self.value, self.before, self.after, self.standalone = value, before, after, standalone


def _mentions(text: str) -> list[_Mention]:
    out = []
    for found in find_dates(text):
        line_start = text.rfind("\n", 0, found.start) + 1
        line_end = text.find("\n", found.end)
        line_end = len(text) if line_end < 0 else line_end
        # wrapped prose continues on the next line, so the clause ignores line breaks
        before = _CLAUSE_END.split(text[max(0, found.start - 20) : found.start].replace("\n", ""))[-1]
        after = _CLAUSE_END.split(text[found.end : found.end + 14].replace("\n", ""))[0]
        rest = text[line_start : found.start] + text[found.end : line_end]
        # alone on its line, give or take a misread 日 and a speck read as a digit
        alone = len(re.findall(f"[{CJK}]", rest)) <= 1 and len(re.findall(r"\d", rest)) <= 1
        out.append(_Mention(found.value, before, after, alone))
    return out


def _label_before(m: _Mention, line_text: str, groups: dict[str, tuple[str, ...]]) -> str | None:
    """The group whose word stands nearest before the date in its clause."""
    best, where = None, -1
    for group, words in groups.items():
        for word in words:
            at = line_text.rfind(word)
            if word == "日期" and at >= 2 and line_text[at - 2 : at] in ENTRY_WORDS + LEAVE_WORDS:
                continue  # 入职日期 / 离职日期 are not the date of issue
            if at > where:
                best, where = group, at
    return best


def _has(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


def _fallback_name(lines: Lines, pattern: str) -> tuple[str | None, int | None]:
    for i, text in enumerate(lines.texts):
        m = re.search(pattern, text)
        if m:
            return person_name(m.group(1)), i
    return None, None


def _labelled_name(lines: Lines, labels: tuple[str, ...]) -> tuple[str | None, int | None]:
    found = label_value(lines, labels, next_line=False)
    if not found:
        return None, None
    return person_name(found[0]), found[1]


def _org_from_label(lines: Lines, labels: tuple[str, ...]) -> tuple[str | None, int | None]:
    found = label_value(lines, labels, next_line=False)
    if not found:
        return None, None
    value, line = found
    value = re.sub(r"[(]?盖章[)]?|[(]?章[)]", "", value)
    name = org_name(value)
    if name is None:
        run = re.match(rf"[\s:()]*([{CJK}][{CJK}()]{{3,39}})", value)
        name = run.group(1) if run else None
    return name, line


def _bottom_org(lines: Lines, words: tuple[str, ...] = (), below: int = 0) -> tuple[str | None, int | None]:
    for i in range(len(lines.texts) - 1, below - 1, -1):
        text = lines.texts[i]
        if words and not _has(text, words):
            continue
        name = org_name(text)
        if name:
            return name, i
    return None, None


def separation(lines: Lines, today: date) -> Extraction:
    """Fields of a separation certificate."""
    fields: dict[str, object] = {}
    sources: dict[str, int] = {}
    name, line = _labelled_name(lines, ("员工姓名", "职工姓名", "姓名"))
    if name is None:
        name, line = _fallback_name(
            lines, rf"证明(?:我单位员工|我公司员工|员工|职工)?[:\s]*([{CJK}·]{{2,4}}?)(?=[^{CJK}]|身份|同志|先生|女士|自|于|系)"
        )
    if name is None:
        name, line = _fallback_name(lines, rf"^[^{CJK}]*([{CJK}·]{{2,4}}?)[,\s]*[男女][,\s]*(?:身份|$|[,\s])")
    fields["name"] = name
    if line is not None:
        sources["name"] = line
    id_number, id_repair, _ = find_resident_id(lines, today)
    fields["id_number"] = id_number
    employer, issuer_line = _org_from_label(lines, ("用人单位(盖章)", "用人单位", "单位名称", "公司名称", "单位(盖章)"))
    if employer is None:
        proof = next((i for i, t in enumerate(lines.texts) if "特此证明" in t or "此证明" in t), 0)
        employer, issuer_line = _bottom_org(lines, below=proof)
    if employer is None:
        employer, _ = _bottom_org(lines)
        issuer_line = None
    fields["employer"] = employer
    if issuer_line is not None:
        sources["employer"] = issuer_line
    credit_code, cc_repair = find_credit_code(lines)
    fields["credit_code"] = credit_code
    entry = leave = issue = None
    standalone: list[date] = []
    groups = {"entry": ENTRY_WORDS, "leave": LEAVE_WORDS, "issue": ISSUE_WORDS}
    for m in _mentions(lines.joined()):
        # a label just before the date decides; otherwise the verb after it (入职 / 离职 / 解除 …)
        kind = _label_before(m, m.before, groups)
        if kind is None:
            kind = "entry" if _has(m.after, ENTRY_WORDS) else "leave" if _has(m.after, LEAVE_WORDS) else None
        if kind == "entry" and entry is None:
            entry = m.value
        elif kind == "leave" and leave is None:
            leave = m.value
        elif kind == "issue" and issue is None:
            issue = m.value
        elif kind is None and m.standalone:
            standalone.append(m.value)
    if issue is None and standalone:
        issue = standalone[-1]
    fields.update(entry_date=entry, separation_date=leave, issue_date=issue)
    repairs = [r for r in (id_repair, cc_repair) if r]
    return Extraction(fields, repairs, issuer_line, employer if issuer_line is not None else None, sources)


def _period(text: str) -> tuple[date | None, date | None, int]:
    """First and last month in ``text`` (one of them None when only one is written), and where they end."""
    months = find_months(text)
    if len(months) >= 2:
        return months[0].value, months[1].value, months[1].end
    if len(months) == 1:
        m = months[0]
        if text[: m.start].rstrip().endswith(("至", "-", "到")):
            return None, m.value, m.end
        return m.value, None, m.end
    return None, None, 0


def _period_row(lines: Lines) -> tuple[date | None, date | None, list[float], int] | None:
    """The months and numbers of the pension row of a contribution table, and the row's line."""
    rows = [i for i, t in enumerate(lines.texts) if "养老" in t and find_months(t)]
    rows = rows or [i for i, t in enumerate(lines.texts) if len(find_months(t)) >= 2 and not find_dates(t)]
    if not rows:
        return None
    text = lines.texts[rows[0]]
    first, last, end = _period(text)
    return first, last, [a.value for a in find_amounts(text[end:])], rows[0]


def contribution(lines: Lines, today: date) -> Extraction:
    """Fields of a contribution certificate (参保缴费凭证)."""
    fields: dict[str, object] = {}
    sources: dict[str, int] = {}
    fields["name"], line = _labelled_name(lines, ("姓名",))
    if line is not None:
        sources["name"] = line
    id_number, id_repair, _ = find_resident_id(lines, today)
    fields["id_number"] = id_number
    fields["employer"], line = _org_from_label(lines, ("参保单位名称", "参保单位", "单位名称"))
    if line is not None:
        sources["employer"] = line
    credit_code, cc_repair = find_credit_code(lines)
    fields["credit_code"] = credit_code
    first = last = None
    found = label_value(lines, ("缴费起止时间", "缴费起止年月", "起止时间", "参保起止", "缴费期间"), next_line=False)
    if found:
        first, last, _ = _period(found[0])
    months_paid = base = None
    found = label_value(lines, ("累计缴费月数", "累计月数", "缴费月数"), next_line=False)
    if found:
        sources["months_paid"] = found[1]
        numbers = [a.value for a in find_amounts(found[0])]
        months_paid = int(numbers[0]) if numbers and numbers[0] == int(numbers[0]) else None
    found = label_value(lines, ("月缴费基数", "缴费基数"), next_line=False)
    if found:
        sources["contribution_base"] = found[1]
        numbers = [a.value for a in find_amounts(found[0])]
        base = numbers[0] if numbers else None
    if (first is None and last is None) or months_paid is None or base is None:
        row = _period_row(lines)
        if row:
            row_first, row_last, numbers, row_line = row
            if first is None and last is None:
                first, last = row_first, row_last
            ints = [n for n in numbers if n == int(n) and n < 1000]
            if months_paid is None:
                sources["months_paid"] = row_line
                months_paid = int(ints[0]) if ints else None
            bigger = [n for n in numbers if n >= 1000 or n != int(n)]
            if base is None:
                sources["contribution_base"] = row_line
                base = bigger[0] if bigger else None
    fields["period_start"] = first.strftime("%Y-%m") if first else None
    fields["period_end"] = last.strftime("%Y-%m") if last else None
    fields["months_paid"] = months_paid
    fields["contribution_base"] = base
    issuer, issuer_line = _org_from_label(lines, ("经办机构(章)", "经办机构", "出具机构", "经办单位"))
    if issuer is None:
        issuer, issuer_line = _bottom_org(lines, ("社会保险", "社保", "人力资源", "保障"))
    fields["issuer"] = issuer
    if issuer_line is not None:
        sources["issuer"] = issuer_line
    issue = None
    found = label_value(lines, ("打印日期", "出具日期", "开具日期", "日期"), next_line=False)
    if found:
        dates = find_dates(found[0])
        issue = dates[0].value if dates else None
    if issue is None:
        standalone = [m.value for m in _mentions(lines.joined()) if m.standalone]
        issue = standalone[-1] if standalone else None
    fields["issue_date"] = issue
    repairs = [r for r in (id_repair, cc_repair) if r]
    return Extraction(fields, repairs, issuer_line, issuer, sources)


def id_card(lines: Lines, today: date) -> Extraction:
    """Fields of the front of a resident ID card."""
    fields: dict[str, object] = {}
    sources: dict[str, int] = {}
    name, line = _labelled_name(lines, ("姓名",))
    if name is None:  # the label misread: the name line is the one above the sex line
        sex_line = next((i for i, t in enumerate(lines.texts) if "性别" in t or "民族" in t), None)
        if sex_line:
            m = re.match(rf"^[^{CJK}]*[{CJK}]?名[^{CJK}]*([{CJK}·]{{2,4}})", lines.texts[sex_line - 1])
            name, line = (m.group(1), sex_line - 1) if m else (None, None)
    fields["name"] = name
    if line is not None:
        sources["name"] = line
    sex = None
    found = label_value(lines, ("性别",), next_line=False)
    for text in ([found[0][:3]] if found else []) + [t for t in lines.texts if "族" in t or "性别" in t]:
        m = re.search("[男女]", text)
        if m:
            sex = "male" if m.group(0) == "男" else "female"
            break
    fields["sex"] = sex
    ethnicity = None
    for i, text in enumerate(lines.texts):
        at = text.find("族")
        if at < 0 or "民族" not in text and "性别" not in text and not re.search("[男女]", text[:at]):
            continue
        sources["ethnicity"] = i
        value = text[at + 1 :]
        named = [(value.find(g), -len(g), g) for g in ETHNIC_GROUPS if g in value]
        if named:
            ethnicity = min(named)[2]
        else:
            run = re.match(rf"[^{CJK}]*([{CJK}]{{1,2}})", value)
            ethnicity = run.group(1) if run else None
        break
    fields["ethnicity"] = ethnicity
    birth = None
    found = label_value(lines, ("出生",), next_line=False)
    if found:
        sources["birth_date"] = found[1]
        dates = find_dates(found[0])
        birth = dates[0].value if dates else None
    if birth is None:  # the label misread: the card front carries no other date
        dated = [(i, d) for i, t in enumerate(lines.texts) if "身份" not in t for d in find_dates(t)]
        if dated:
            sources["birth_date"], birth = dated[0][0], dated[0][1].value
    fields["birth_date"] = birth
    id_number, id_repair, _ = find_resident_id(lines, today)
    fields["id_number"] = id_number
    return Extraction(fields, [id_repair] if id_repair else [], sources=sources)


def contract(lines: Lines, today: date) -> Extraction:
    """Fields of the first page of a labour contract."""
    fields: dict[str, object] = {}
    sources: dict[str, int] = {}
    fields["employer"], line = _org_from_label(lines, ("甲方(用人单位)", "甲方名称", "用人单位名称", "甲方"))
    if line is not None:
        sources["employer"] = line
    credit_code, cc_repair = find_credit_code(lines)
    fields["credit_code"] = credit_code
    fields["name"], line = _labelled_name(lines, ("乙方(劳动者)", "乙方姓名", "劳动者姓名", "乙方", "姓名"))
    if line is not None:
        sources["name"] = line
    id_number, id_repair, _ = find_resident_id(lines, today)
    fields["id_number"] = id_number
    flat = "".join(lines.joined().split())
    if re.search(rf"无[{CJK}]?定期限", flat):
        term = "open_ended"
    elif "一定工作任务" in flat:
        term = "task"
    elif re.search(rf"[{CJK}]定期限", flat):
        term = "fixed"
    else:
        term = None
    fields["contract_term"] = term
    start = end = None
    for m in _mentions(lines.joined()):
        if "试用" in m.before:
            continue
        if start is None and "至" not in m.before[-3:]:
            if m.after.startswith(("起", "至", " 至", "-")) or _has(m.before, ("自", "期限", "起始")):
                start = m.value
                continue
        if start is not None and end is None and ("至" in m.before[-3:] or m.after.startswith("止")):
            end = m.value
        elif start is None and end is None and "至" in m.before[-3:]:
            end = m.value
    fields["contract_start"] = start
    fields["contract_end"] = end
    repairs = [r for r in (id_repair, cc_repair) if r]
    return Extraction(fields, repairs, sources=sources)


EXTRACTORS = {SEPARATION: separation, CONTRIBUTION: contribution, ID_CARD: id_card, CONTRACT: contract}

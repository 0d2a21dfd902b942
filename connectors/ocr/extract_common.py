"""Finders shared by the per-type field extractors: labelled values, ID numbers, credit codes, names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from casework.identifiers import (
    repair_credit_code,
    repair_resident_id,
    validate_credit_code,
    validate_resident_id,
)
from connectors.ocr.model import Repair
from connectors.ocr.names import COMPOUND_SURNAMES
from connectors.ocr.text import CJK, Found, find_dates

CJK_RANGE = CJK

_SEP = r"[\s:;,.、_\-)|]*"
_LABEL_SLACK = 3  # characters of noise a scan may put before a label
# Labels of the four types that differ from each other by one character: a fuzzy match of one must
# not take a line that holds another exactly.
_KNOWN_LABELS = ("累计缴费月数", "缴费月数", "累计月数", "缴费基数", "缴费起止时间", "缴费起止年月", "甲方名称", "乙方姓名",
                 "身份证号码", "公民身份号码", "统一社会信用代码", "用人单位", "参保单位", "经办机构", "合同类型", "合同期限")
ORG_SUFFIX = r"(?:有限责任公司|股份有限公司|有限公司|公司|集团|管理中心|服务中心|中心|管理局|保障局|局|研究院|事务所|医院|学校|厂|店|站)"
_ORG = re.compile(rf"([{CJK}()]{{2,40}}?{ORG_SUFFIX}(?:[{CJK}]{{2,6}}分公司)?)")
# Label words that end a value when recognition runs two table cells together.
# Label words that are never part of a name; a "name" holding one is a misread label.
_NOT_NAMES = ("性别", "民族", "出生", "住址", "公民", "身份", "劳动", "动者", "用人", "单位", "姓名", "乙方", "甲方")
_STOPWORDS = ("性别", "身份", "民族", "出生", "住址", "公民", "证号", "号码", "联系", "电话", "盖章", "日期", "男", "女")


@dataclass
class Lines:
    """The cleaned lines of a document, with the page and box of each."""

    texts: list[str]
    pages: list[int] = field(default_factory=list)
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)

    def joined(self) -> str:
        """All lines, one per line."""
        return "\n".join(self.texts)


@dataclass
class Extraction:
    """Fields read from a document, the values repaired with check characters, and where the issuer is."""

    fields: dict[str, Any]
    repairs: list[Repair] = field(default_factory=list)
    issuer_line: int | None = None
    issuer_text: str | None = None
    sources: dict[str, int] = field(default_factory=dict)  # field -> index of the line it was read from


_OPEN, _CLOSE = r"[(《〈\[{]?", r"[)》〉\]}]?"


def _label_patterns(label: str, *, fuzzy: bool) -> list[re.Pattern[str]]:
    """Patterns for a printed label: brackets of any shape or none; with ``fuzzy``, one character of a
    label of four or more misread."""
    parts = [_OPEN if ch == "(" else _CLOSE if ch == ")" else re.escape(ch) for ch in label]
    if not fuzzy:
        return [re.compile("".join(parts) + _SEP)]
    plain = [i for i, ch in enumerate(label) if ch not in "()"]
    if len(plain) < 4:
        return []
    out = []
    for i in plain:
        variant = list(parts)
        variant[i] = f"[^{CJK_RANGE}]?[{CJK_RANGE}]"
        out.append(re.compile("".join(variant) + _SEP))
    return out


def label_value(lines: Lines, labels: tuple[str, ...], *, next_line: bool = True,
                exclude: tuple[str, ...] = ()) -> tuple[str, int] | None:
    """The text after the first of ``labels`` that opens a line (or the next line when nothing follows it).

    A label counts only within the first few characters of a line, the way forms print them, so
    that the same words inside a sentence do not count. Every label is first looked for as printed;
    only when none is found, labels of four or more characters with one character misread.
    ``exclude``: skip lines holding any of these words. Returns the value and its line index.
    """
    taken: set[int] = set()  # lines a longer label already explained (e.g. 用人单位(盖章): left blank)
    for fuzzy in (False, True):
        for label in labels:
            for pattern in _label_patterns(label, fuzzy=fuzzy):
                for i, text in enumerate(lines.texts):
                    if i in taken or any(word in text for word in exclude):
                        continue
                    m = pattern.search(text)
                    if not m or m.start() > _LABEL_SLACK:
                        continue
                    if fuzzy and any(other in text for other in _KNOWN_LABELS if other != label):
                        continue  # an exact other label explains the line better
                    rest = text[m.end():].strip()
                    if rest:
                        return rest, i
                    if next_line and i + 1 < len(lines.texts):
                        return lines.texts[i + 1].strip(), i + 1
                    taken.add(i)
    return None


def person_name(text: str) -> str | None:
    """The personal name at the start of ``text``: 2 to 4 Chinese characters, cut at label words.

    Four characters are kept only after a two-character surname (欧阳, 司马 …); otherwise the fourth is
    far more often a speck or a table rule read as a character than part of the name.
    """
    text = re.sub(rf"^[^{CJK}]*[(《〈\[][^)》〉\]]{{1,6}}[)》〉\]]", "", text)  # a bracketed qualifier: (劳动者)
    m = re.match(rf"[^{CJK}]*([{CJK}·]{{2,12}})", text)
    if not m:
        return None
    name = m.group(1)
    for word in _STOPWORDS:
        at = name.find(word, 2)
        if at >= 2:
            name = name[:at]
    if len(name) == 4 and "·" not in name and name[:2] not in COMPOUND_SURNAMES:
        name = name[:3]
    if not 2 <= len(name) <= 4 or any(word in name for word in _NOT_NAMES):
        return None
    return name


def org_name(text: str) -> str | None:
    """The first organisation name in ``text`` (ends in 公司, 中心, 局 …, branch offices included)."""
    m = _ORG.search(text.replace(" ", ""))
    if not m:
        return None
    name = m.group(1).strip("()")
    if re.search(r"[我本贵该此](?:单位|公司)$", name) or len(name) < 4:
        return None
    for prefix in ("甲方", "用人单位", "单位名称", "名称", "盖章", "章"):
        if name.startswith(prefix) and len(name) - len(prefix) >= 4:
            name = name[len(prefix):].strip("():")
    return name


_TOKEN = re.compile(r"[0-9A-Za-z|×]{15,24}")


def number_tokens(text: str) -> list[str]:
    """Runs of number-like characters; a single space inside a run of digits is closed up."""
    joined = re.sub(r"(?<=[0-9A-Za-z]) (?=[0-9A-Za-z])", "", text)
    out = []
    for m in _TOKEN.finditer(joined):
        token = m.group(0)
        if len(token) == 18:
            out.append(token)
        elif len(token) > 18:
            out.extend(token[i : i + 18] for i in range(len(token) - 17))
    return out


_DIGITISH = set("0123456789OoQDUIilL|!ZzSsGbTBgqAXx×")


def _number_like(token: str) -> bool:
    """True for a token that can be a misread 18-digit number: mostly digits, the rest look-alikes."""
    return sum(ch.isdigit() for ch in token) >= 11 and all(ch in _DIGITISH for ch in token)


def find_resident_id(lines: Lines, today: date) -> tuple[str | None, Repair | None, int | None]:
    """The resident ID number on the page: valid as read, repaired with its check character, or as read.

    Lines naming the credit code are skipped. Returns (value, repair or None, line index).
    """
    fallback: tuple[str, int] | None = None
    for i, text in enumerate(lines.texts):
        if "信用" in text or "代码" in text:
            continue
        for token in number_tokens(text):
            if not _number_like(token):
                continue
            if validate_resident_id(token, today=today).valid:
                return token.upper(), None, i
            repaired = repair_resident_id(token, today=today)
            if repaired.code == "REPAIRED" and repaired.value:
                return repaired.value, Repair("id_number", token, repaired.value, repaired.positions), i
            if fallback is None:
                fallback = (token.upper(), i)
    if fallback:
        return fallback[0], None, fallback[1]
    return None, None, None


def find_credit_code(lines: Lines) -> tuple[str | None, Repair | None]:
    """The unified social credit code after its label: valid, repaired with its check character, or as read."""
    for i, text in enumerate(lines.texts):
        if "代码" not in text and "信用" not in text:
            continue
        after = re.split(r"代码|信用", text, maxsplit=1)[-1]
        candidates = number_tokens(after) or number_tokens(lines.texts[i + 1] if i + 1 < len(lines.texts) else "")
        for token in candidates:
            if validate_credit_code(token).valid:
                return token.upper(), None
            repaired = repair_credit_code(token)
            if repaired.code == "REPAIRED" and repaired.value:
                return repaired.value, Repair("credit_code", token, repaired.value, repaired.positions)
        if candidates:
            return candidates[0].upper(), None
    return None, None


@dataclass(frozen=True)
class DateMention:
    """A date in the text with the words around it."""

    value: date
    line: int
    before: str
    after: str


def date_mentions(lines: Lines) -> list[DateMention]:
    """Every date in the document, with up to 12 characters of context on each side (the line's only)."""
    out = []
    for i, text in enumerate(lines.texts):
        for found in find_dates(text):
            out.append(DateMention(found.value, i, text[max(0, found.start - 12) : found.start], text[found.end : found.end + 12]))
    return out


def first(items: list[Found]) -> Any:
    """The value of the first found item, or None."""
    return items[0].value if items else None

"""Tells which of the four case materials a recognised text is, from weighted key phrases."""

from __future__ import annotations

from connectors.ocr.doctypes import CONTRACT, CONTRIBUTION, ID_CARD, SEPARATION

# Phrases typical of each type and how strongly they point to it. Several per type, so that one
# phrase lost to a recognition error does not lose the type.
KEY_PHRASES: dict[str, tuple[tuple[str, float], ...]] = {
    SEPARATION: (
        ("离职证明", 4), ("劳动合同证明", 4), ("解除劳动", 2), ("终止劳动", 2), ("离职", 1.5), ("入职", 1),
        ("特此证明", 1), ("劳动关系", 1), ("离职手续", 1), ("离职原因", 1), ("离职时间", 1),
    ),
    CONTRIBUTION: (
        ("缴费凭证", 4), ("参保缴费", 3), ("缴费基数", 2), ("累计", 1), ("缴费月数", 2), ("参保单位", 1.5),
        ("险种", 1), ("养老保险", 1), ("经办机构", 1.5), ("缴费起止", 2), ("转移接续", 1),
    ),
    ID_CARD: (
        ("公民身份号码", 1.5), ("民族", 2.5), ("住址", 2.5), ("性别", 0.5), ("出生", 1.5), ("姓名", 0.5),
    ),
    CONTRACT: (
        ("劳动合同书", 4), ("甲方", 2), ("乙方", 2), ("用人单位", 0.5), ("劳动者", 1), ("合同期限", 2),
        ("法定代表人", 1.5), ("固定期限", 1.5), ("试用期", 1), ("签订本合同", 1.5), ("合同类型", 1.5),
    ),
}
MIN_SCORE = 3.0


def scores(text: str) -> dict[str, float]:
    """The weight of the key phrases of each type found in ``text`` (each phrase counted once)."""
    flat = "".join(text.split())
    return {doc_type: sum(w for phrase, w in phrases if phrase in flat) for doc_type, phrases in KEY_PHRASES.items()}


def classify(text: str) -> tuple[str | None, float]:
    """The most likely type of ``text`` and a confidence in 0..1; (None, 0..1) when nothing fits well."""
    table = scores(text)
    ranked = sorted(table.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < MIN_SCORE:
        return None, 0.0
    confidence = top / (top + second) if top + second else 0.0
    return best, confidence

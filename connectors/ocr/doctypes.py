"""The four kinds of case material the reader knows, their fields and which of them are required."""

from __future__ import annotations

SEPARATION = "separation_certificate"  # 离职证明 / 解除（终止）劳动合同证明
CONTRIBUTION = "contribution_certificate"  # 参保缴费凭证
ID_CARD = "id_card_front"  # 居民身份证人像面
CONTRACT = "labour_contract"  # 劳动合同首页

DOCUMENT_TYPES: tuple[str, ...] = (SEPARATION, CONTRIBUTION, ID_CARD, CONTRACT)

# Field name -> kind. Kinds decide the value's JSON shape: "date" is YYYY-MM-DD, "month" YYYY-MM,
# "amount" a number, "count" an integer, "resident_id"/"credit_code"/"text"/"choice" strings.
FIELD_KINDS: dict[str, str] = {
    "name": "text",
    "id_number": "resident_id",
    "employer": "text",
    "credit_code": "credit_code",
    "entry_date": "date",
    "separation_date": "date",
    "issue_date": "date",
    "issuer": "text",
    "period_start": "month",
    "period_end": "month",
    "months_paid": "count",
    "contribution_base": "amount",
    "sex": "choice",  # "male" | "female"
    "ethnicity": "text",
    "birth_date": "date",
    "contract_term": "choice",  # "fixed" | "open_ended"
    "contract_start": "date",
    "contract_end": "date",
}

# The fields read from each type, in display order.
FIELDS: dict[str, tuple[str, ...]] = {
    SEPARATION: ("name", "id_number", "employer", "credit_code", "entry_date", "separation_date", "issue_date"),
    CONTRIBUTION: (
        "name",
        "id_number",
        "employer",
        "credit_code",
        "period_start",
        "period_end",
        "months_paid",
        "contribution_base",
        "issuer",
        "issue_date",
    ),
    ID_CARD: ("name", "sex", "ethnicity", "birth_date", "id_number"),
    CONTRACT: ("employer", "credit_code", "name", "id_number", "contract_term", "contract_start", "contract_end"),
}

# Fields a usable document of the type must state. ``contract_end`` is required only for a fixed term.
REQUIRED: dict[str, frozenset[str]] = {
    SEPARATION: frozenset({"name", "id_number", "employer", "separation_date", "issue_date"}),
    CONTRIBUTION: frozenset(
        {"name", "id_number", "issuer", "period_start", "period_end", "months_paid", "contribution_base", "issue_date"}
    ),
    ID_CARD: frozenset({"name", "sex", "ethnicity", "birth_date", "id_number"}),
    CONTRACT: frozenset({"employer", "name", "id_number", "contract_term", "contract_start"}),
}

# Types whose issuer seals them, and the field naming the issuer the seal should cover.
SEAL_REQUIRED: dict[str, str] = {SEPARATION: "employer", CONTRIBUTION: "issuer"}


def missing_code(field: str) -> str:
    """The finding code for a required field the document does not state, e.g. ``SEPARATION_DATE_MISSING``."""
    return f"{field.upper()}_MISSING"

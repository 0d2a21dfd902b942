"""``bank.*`` operators: find a person's cards at every partner bank, apply, and manage one card.

Each partner bank knows only its own cards. ``bank.apply_card`` therefore asks every bank first and
stops with ``DUPLICATE_CARD`` — before anything reaches the chosen bank — when another bank holds a
valid card of the person in the same province. A valid card at the chosen bank itself is left to that
bank, which refuses a duplicate too; this keeps a retried application (same idempotency key) from
being mistaken for a duplicate of itself.
"""

from __future__ import annotations

import base64
from typing import Any

from connectors.config import ConnectorConfig, ServiceEndpoint
from connectors.http import AdapterCallFailed, ServiceClient
from connectors.messages import text
from connectors.params import Params
from engine.errors import BusinessError, NotFound
from engine.operators import OperatorCall, OperatorRegistry, Parameter

COMMON_ERRORS = ("INVALID_PARAMETERS", "INVALID_REQUEST", "INVALID_RESIDENT_ID", "UNKNOWN_BANK")
IN_USE = ("accepted", "in_production", "ready", "issued", "loss_temporary", "loss_formal", "expired")
CHANNELS = ("individual", "employer")
REPLACEMENT_REASONS = ("expired", "damaged", "data_changed", "lost")
CANCEL_REASONS = ("death", "emigration", "duplicate", "other")


class BankConnector:
    """The operators that call the partner banks' adapters; one HTTP session per bank."""

    def __init__(self, config: ConnectorConfig) -> None:
        self.banks: dict[str, ServiceEndpoint] = {b.code: b for b in config.banks}
        self.clients: dict[str, ServiceClient] = {
            b.code: ServiceClient(
                b,
                connect_timeout=config.connect_timeout,
                read_timeout=config.read_timeout,
                retries=config.retries,
                backoff_seconds=config.backoff_seconds,
            )
            for b in config.banks
        }

    def close(self) -> None:
        """Release the HTTP connections of every bank."""
        for client in self.clients.values():
            client.close()

    def _client(self, code: str) -> ServiceClient:
        if not self.clients:
            raise AdapterCallFailed("ADAPTER_NOT_CONFIGURED", service="bank", variable="SHEBAO_BANKS")
        client = self.clients.get(code)
        if client is None:
            raise BusinessError("UNKNOWN_BANK", text("UNKNOWN_BANK", "en", bank=code), bank=code,
                                configured=sorted(self.clients))
        return client

    # -- queries --------------------------------------------------------------------------------------

    def find_cards(self, params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """Every card of the person at every partner bank (any bank failing fails the whole query)."""
        p = Params(params)
        resident_id = p.resident_id()
        region = p.region("region", required=False)
        p.done()
        assert resident_id
        return self._find(resident_id, region)

    def _find(self, resident_id: str, region: str | None) -> dict[str, Any]:
        if not self.clients:
            raise AdapterCallFailed("ADAPTER_NOT_CONFIGURED", service="bank", variable="SHEBAO_BANKS")
        cards: list[dict[str, Any]] = []
        for code, client in self.clients.items():
            answer = client.post("/v1/cards/query", {"resident_id": resident_id})
            bank_name = answer.get("bank_name") or self.banks[code].name
            for card in answer.get("cards") or []:
                cards.append({**card, "bank": code, "bank_name": bank_name})
        valid = [c for c in cards if c.get("valid")]
        result: dict[str, Any] = {
            "banks_asked": list(self.clients),
            "cards": cards,
            "valid_cards": valid,
            "has_valid_card": bool(valid),
        }
        if region:
            same = [c for c in valid if str(c.get("region", ""))[:2] == region[:2]]
            result["valid_cards_in_province"] = same
            result["has_valid_card_in_province"] = bool(same)
        return result

    def card_status(self, params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """The person's current card at a bank (or a given card or application), with production progress."""
        p = Params(params)
        resident_id = p.resident_id()
        code = p.text("bank", required=False, max_length=32)
        card_id = p.identifier("card_id", required=False)
        application_id = p.identifier("application_id", required=False)
        p.done()
        assert resident_id
        code = code or self._bank_holding(resident_id)
        client = self._client(code)
        answer = client.post("/v1/cards/query", {"resident_id": resident_id})
        cards = [{**c, "bank": code} for c in answer.get("cards") or []]
        if application_id:
            chosen = [c for c in cards if c.get("application_id") == application_id]
        elif card_id:
            chosen = [c for c in cards if c.get("card_id") == card_id]
        else:
            chosen = [c for c in cards if c.get("status") not in ("replaced", "cancelled")]
        if not chosen:
            raise BusinessError("CARD_NOT_FOUND", text("CARD_NOT_FOUND", "en"), service=code, bank=code)
        card = chosen[-1]
        progress = client.get(f"/v1/applications/{card['application_id']}")
        return {**card, "stages": progress.get("stages", []), "cards": cards}

    # -- effects --------------------------------------------------------------------------------------

    def apply_card(self, params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """Apply for a card at one bank after checking every partner bank for a valid card in the province."""
        p = Params(params)
        code = p.text("bank", max_length=32)
        resident_id = p.resident_id()
        name = p.text("name", max_length=50)
        region = p.region("region")
        channel = p.choice("channel", CHANNELS, default="individual")
        photo_id = p.text("photo_attachment_id", required=False, max_length=100)
        p.done()
        assert code and resident_id and region
        client = self._client(code)
        found = self._find(resident_id, region)
        elsewhere = [c for c in found["valid_cards_in_province"] if c["bank"] != code]
        if elsewhere:
            banks = sorted({c["bank"] for c in elsewhere})
            raise BusinessError(
                "DUPLICATE_CARD",
                text("DUPLICATE_CARD", "en", banks=", ".join(banks)),
                banks=banks,
                cards=[_brief(c) for c in elsewhere],
            )
        body: dict[str, Any] = {"resident_id": resident_id, "name": name, "region": region, "channel": channel}
        if photo_id:
            body["photo_jpeg_base64"] = base64.b64encode(_read_photo(call, photo_id)).decode("ascii")
        result = client.post("/v1/applications", body, call.idempotency_key)
        other = [_brief(c) for c in found["valid_cards"] if str(c.get("region", ""))[:2] != region[:2]]
        return {**result, "bank": code, "other_province_cards": other}

    def issue_card(self, params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """Record that the holder collected the finished card."""
        return self._card_action(params, call, "/v1/cards/issue")

    def enable_card(self, params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """Enable the card's social-security function."""
        return self._card_action(params, call, "/v1/cards/enable-social-security")

    def activate_card(self, params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """Activate the card's bank function."""
        return self._card_action(params, call, "/v1/cards/activate-bank-function")

    def report_loss(self, params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """Report the card lost (temporary or formal)."""
        return self._card_action(params, call, "/v1/cards/report-loss",
                                 lambda p: {"kind": p.choice("kind", ("temporary", "formal"), default="temporary")})

    def lift_loss(self, params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """Lift a loss report (only before a replacement was applied for)."""
        return self._card_action(params, call, "/v1/cards/lift-loss")

    def replace_card(self, params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """Replace the card at its bank (expired, damaged, changed data, or lost after a loss report)."""

        def extra(p: Params) -> dict[str, Any]:
            fields: dict[str, Any] = {"reason": p.choice("reason", REPLACEMENT_REASONS)}
            photo_id = p.text("photo_attachment_id", required=False, max_length=100)
            if photo_id and not p.errors:
                fields["photo_jpeg_base64"] = base64.b64encode(_read_photo(call, photo_id)).decode("ascii")
            return fields

        return self._card_action(params, call, "/v1/cards/replace", extra)

    def cancel_card(self, params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        """Cancel the card (death, emigration, duplicate, other); the bank account must be closed first."""
        return self._card_action(params, call, "/v1/cards/cancel", lambda p: {
            "reason": p.choice("reason", CANCEL_REASONS),
            "bank_account_closed": p.flag("bank_account_closed"),
        })

    def _card_action(self, params: dict[str, Any], call: OperatorCall, path: str, extra: Any = None) -> dict[str, Any]:
        p = Params(params)
        resident_id = p.resident_id()
        code = p.text("bank", required=False, max_length=32)
        card_id = p.identifier("card_id", required=False)
        fields = extra(p) if extra else {}
        p.done()
        assert resident_id
        code = code or self._bank_holding(resident_id)
        body = {"resident_id": resident_id, **({"card_id": card_id} if card_id else {}), **fields}
        return {**self._client(code).post(path, body, call.idempotency_key), "bank": code}

    def _bank_holding(self, resident_id: str) -> str:
        """The one bank holding a card of the person still in use.

        :raises BusinessError: ``CARD_NOT_FOUND``, or ``INVALID_PARAMETERS`` when several banks hold one.
        """
        found = self._find(resident_id, None)
        banks = sorted({c["bank"] for c in found["cards"] if c.get("status") in IN_USE})
        if not banks:
            raise BusinessError("CARD_NOT_FOUND", text("CARD_NOT_FOUND", "en"))
        if len(banks) > 1:
            errors = [{"parameter": "bank", "reason": "cards at several banks (" + ", ".join(banks) + "): name one"}]
            raise BusinessError("INVALID_PARAMETERS", text("INVALID_PARAMETERS", "en", summary=errors[0]["reason"]),
                                errors=errors)
        return banks[0]


def _brief(card: dict[str, Any]) -> dict[str, Any]:
    keys = ("bank", "bank_name", "card_id", "card_number_masked", "status", "region", "social_security_enabled")
    return {k: card.get(k) for k in keys}


def _read_photo(call: OperatorCall, attachment_id: str) -> bytes:
    if call.read_attachment is None:
        raise AdapterCallFailed("ADAPTER_NOT_CONFIGURED", service="attachments", variable="(attachment store)")
    try:
        data = call.read_attachment(attachment_id)
    except (NotFound, KeyError, FileNotFoundError):
        data = None
    if not data:
        raise BusinessError("PHOTO_NOT_FOUND", text("PHOTO_NOT_FOUND", "en", attachment_id=attachment_id),
                            attachment_id=attachment_id)
    return data


def register(registry: OperatorRegistry, connector: BankConnector) -> None:
    """Register every ``bank.*`` operator of ``connector`` with its documentation."""
    resident = Parameter("resident_id", "string", True, "resident ID number (18 characters)")
    bank_opt = Parameter("bank", "string", False, "bank code (default: the one bank holding a card in use)")
    card_opt = Parameter("card_id", "string", False, "a specific card (default: the newest card in use)")
    card_fields = ("bank", "card_id", "card_number_masked", "card_number_last4", "status", "valid",
                   "social_security_enabled", "bank_function_activated", "region", "application_id",
                   "applied_on", "expected_ready_on", "issued_on", "valid_until", "replaces", "replaced_by")
    card_errors = ("CARD_NOT_FOUND", "CARD_STATE_INVALID", *COMMON_ERRORS)
    registry.register(
        "bank.find_cards",
        connector.find_cards,
        description="Ask every partner bank for the person's cards (a bank that cannot answer fails the "
        "query: no answer is not 'no card').",
        parameters=(resident, Parameter("region", "string", False, "6-digit region: also report valid cards in its province")),
        result_fields=("banks_asked", "cards", "valid_cards", "has_valid_card", "valid_cards_in_province",
                       "has_valid_card_in_province"),
        error_codes=("INVALID_PARAMETERS", "INVALID_REQUEST", "INVALID_RESIDENT_ID"),
    )
    registry.register(
        "bank.apply_card",
        connector.apply_card,
        description="Apply for a social security card at one bank. Every partner bank is asked first; a valid "
        "card at another bank in the province stops the application with DUPLICATE_CARD before it reaches "
        "the chosen bank. Cards in other provinces are returned as other_province_cards.",
        parameters=(
            Parameter("bank", "string", True, "code of the bank to apply at"),
            resident,
            Parameter("name", "string", True, "the applicant's name"),
            Parameter("region", "string", True, "6-digit region code of the issuing place"),
            Parameter("channel", "string", False, "individual (default) or employer"),
            Parameter("photo_attachment_id", "string", False, "attachment id of the JPEG photo (needed from age 7)"),
        ),
        result_fields=(*card_fields, "other_province_cards"),
        error_codes=("DUPLICATE_CARD", "PHOTO_REQUIRED", "PHOTO_INVALID", "PHOTO_NOT_FOUND", *COMMON_ERRORS),
    )
    registry.register(
        "bank.card_status",
        connector.card_status,
        description="The person's current card at a bank with its production progress (accepted, "
        "in_production, ready, issued) and every card the bank holds for them.",
        parameters=(resident, bank_opt, card_opt,
                    Parameter("application_id", "string", False, "the card of this application")),
        result_fields=(*card_fields, "stages", "cards"),
        error_codes=("CARD_NOT_FOUND", *COMMON_ERRORS),
    )
    for name, func, description, extra_params, errors in (
        ("bank.issue_card", connector.issue_card, "Record that the holder collected the finished card.", (),
         ("CARD_NOT_READY",)),
        ("bank.enable_card", connector.enable_card, "Enable the card's social-security function (社保功能启用).", (),
         ("CARD_NOT_ISSUED", "ALREADY_ENABLED")),
        ("bank.activate_card", connector.activate_card, "Activate the card's bank function (金融功能激活).", (),
         ("CARD_NOT_ISSUED", "ALREADY_ACTIVATED")),
        ("bank.report_loss", connector.report_loss, "Report the card lost; a temporary report can later be made formal.",
         (Parameter("kind", "string", False, "temporary (default) or formal"),),
         ("CARD_NOT_ISSUED", "ALREADY_REPORTED_LOST")),
        ("bank.lift_loss", connector.lift_loss, "Lift a loss report; impossible once a replacement was applied for.",
         (), ("NOT_REPORTED_LOST", "REPLACEMENT_ALREADY_APPLIED")),
        ("bank.replace_card", connector.replace_card,
         "Replace the card at its bank; the old card is retired and a new one goes into production. A bank "
         "change or a move to another province is a cancellation plus a new application instead.",
         (Parameter("reason", "string", True, "expired, damaged, data_changed or lost (needs a loss report)"),
          Parameter("photo_attachment_id", "string", False, "a new photo (default: the bank's photo on file)")),
         ("CARD_NOT_ISSUED", "LOSS_NOT_REPORTED", "PHOTO_REQUIRED", "PHOTO_INVALID", "PHOTO_NOT_FOUND")),
        ("bank.cancel_card", connector.cancel_card,
         "Cancel the card (death, emigration, duplicate, other); an activated bank account must be closed first.",
         (Parameter("reason", "string", True, "death, emigration, duplicate or other"),
          Parameter("bank_account_closed", "boolean", False, "the holder closed the bank account (default false)")),
         ("BANK_ACCOUNT_OPEN",)),
    ):
        registry.register(
            name,
            func,
            description=description,
            parameters=(resident, bank_opt, card_opt, *extra_params),
            result_fields=(*card_fields, *(("replaced_card_id",) if name == "bank.replace_card" else ())),
            error_codes=(*errors, *card_errors),
        )

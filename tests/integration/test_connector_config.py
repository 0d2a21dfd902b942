"""Connector configuration from the environment, operator registration and documentation, the
signature scheme, masking and the message catalog."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from connectors import messages
from connectors.config import ConnectorConfig, ConnectorConfigError
from connectors.masking import mask_card_number, mask_resident_id, scrub
from connectors.registry import register_connectors
from connectors.signing import SignatureError, sign, signed_headers, verify
from engine.operators import OperatorRegistry
from sandbox import messages as sandbox_messages

BUREAU_OPERATORS = {
    "bureau.stop_contribution", "bureau.enrol", "bureau.contribution_history", "bureau.contribution_certificate",
    "bureau.apply_transfer", "bureau.transfer_status",
}
BANK_OPERATORS = {
    "bank.find_cards", "bank.apply_card", "bank.card_status", "bank.issue_card", "bank.enable_card",
    "bank.activate_card", "bank.report_loss", "bank.lift_loss", "bank.replace_card", "bank.cancel_card",
}


def test_the_environment_names_the_bureau_and_every_bank_in_order() -> None:
    config = ConnectorConfig.from_env({
        "SHEBAO_BUREAU_URL": "http://127.0.0.1:8710/",
        "SHEBAO_BUREAU_APP_KEY": "product",
        "SHEBAO_BUREAU_SECRET": "s1",
        "SHEBAO_BANKS": "icbc=http://127.0.0.1:8711, ccb=https://ccb-adapter.example.internal/shebao",
        "SHEBAO_BANK_ICBC_APP_KEY": "k-icbc",
        "SHEBAO_BANK_ICBC_SECRET": "s-icbc",
        "SHEBAO_BANK_CCB_APP_KEY": "k-ccb",
        "SHEBAO_BANK_CCB_SECRET": "s-ccb",
        "SHEBAO_READ_TIMEOUT": "20",
        "SHEBAO_CONNECTOR_RETRIES": "0",
    })
    assert config.bureau is not None and config.bureau.base_url == "http://127.0.0.1:8710"
    assert [(b.code, b.base_url) for b in config.banks] == [
        ("icbc", "http://127.0.0.1:8711"), ("ccb", "https://ccb-adapter.example.internal/shebao")]
    assert (config.read_timeout, config.connect_timeout, config.retries) == (20.0, 3.05, 0)
    assert "s-icbc" not in repr(config)


def test_the_adapters_file_is_read_and_variables_override_it(tmp_path: Path) -> None:
    path = tmp_path / "adapters.json"
    path.write_text(json.dumps({
        "bureau": {"url": "http://127.0.0.1:1", "app_key": "a", "secret": "b"},
        "banks": {"boc": {"url": "http://127.0.0.1:2", "app_key": "c", "secret": "d", "name": "中国银行"}},
    }))
    config = ConnectorConfig.from_env({"SHEBAO_ADAPTERS_FILE": str(path), "SHEBAO_BUREAU_URL": "http://127.0.0.1:9"})
    assert config.bureau is not None
    assert (config.bureau.base_url, config.bureau.app_key) == ("http://127.0.0.1:9", "a")
    assert config.bank("boc").name == "中国银行"


def test_nothing_configured_means_no_endpoints() -> None:
    config = ConnectorConfig.from_env({})
    assert (config.bureau, config.banks) == (None, ())


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"SHEBAO_BUREAU_URL": "http://x"}, "SHEBAO_BUREAU_APP_KEY"),
        ({"SHEBAO_BUREAU_URL": "ftp://x", "SHEBAO_BUREAU_APP_KEY": "k", "SHEBAO_BUREAU_SECRET": "s"}, "http(s)"),
        ({"SHEBAO_BANKS": "icbc"}, "code=URL"),
        ({"SHEBAO_BANKS": "ICBC Bank=http://x"}, "code=URL"),
        ({"SHEBAO_BANKS": "icbc=http://x"}, "SHEBAO_BANK_ICBC_APP_KEY"),
        ({"SHEBAO_BANKS": "icbc=http://x,icbc=http://y"}, "twice"),
        ({"SHEBAO_READ_TIMEOUT": "soon"}, "SHEBAO_READ_TIMEOUT"),
        ({"SHEBAO_CONNECT_TIMEOUT": "0"}, "greater than 0"),
        ({"SHEBAO_CONNECTOR_RETRIES": "-1"}, "negative"),
        ({"SHEBAO_ADAPTERS_FILE": "/nonexistent/adapters.json"}, "no such file"),
    ],
)
def test_malformed_configuration_is_refused_with_the_variable_named(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConnectorConfigError) as refused:
        ConnectorConfig.from_env(env)
    assert fragment in str(refused.value)


def test_every_operator_is_registered_with_parameters_results_and_error_codes() -> None:
    registry = OperatorRegistry()
    register_connectors(registry, ConnectorConfig())
    names = set(registry.names())
    assert BUREAU_OPERATORS | BANK_OPERATORS <= names
    for name in BUREAU_OPERATORS | BANK_OPERATORS:
        op = registry.get(name)
        assert op.description and op.parameters and op.result_fields and op.error_codes, name
        for code in op.error_codes:
            assert code in messages.CATALOG, f"{name}: {code} has no text"
    assert {"ARREARS", "OUTSIDE_FILING_WINDOW"} <= set(registry.get("bureau.stop_contribution").error_codes)
    assert "LATE_ENROLMENT" in registry.get("bureau.enrol").error_codes
    assert "DUPLICATE_CARD" in registry.get("bank.apply_card").error_codes
    assert "TRANSFER_REFUSED" in registry.get("bureau.transfer_status").error_codes
    assert registry.get("bank.apply_card").missing_parameters(["resident_id"]) == ["bank", "name", "region"]


def test_registering_twice_into_one_registry_is_refused() -> None:
    registry = OperatorRegistry()
    register_connectors(registry, ConnectorConfig())
    with pytest.raises(ValueError, match="registered already"):
        register_connectors(registry, ConnectorConfig())


def test_every_sandbox_code_has_chinese_and_english_text() -> None:
    for catalog in (messages.CATALOG, sandbox_messages.CATALOG):
        for code, texts in catalog.items():
            assert texts["zh"] and texts["en"], code
    refusals = set(sandbox_messages.CATALOG) - {
        "SIGNATURE_MISSING", "UNKNOWN_APP_KEY", "SIGNATURE_EXPIRED", "SIGNATURE_INVALID", "IDEMPOTENCY_KEY_REQUIRED",
        "IDEMPOTENCY_KEY_REUSED", "SERVICE_UNAVAILABLE", "INTERNAL_ERROR", "NOT_FOUND", "METHOD_NOT_ALLOWED",
        "OUTGOING_NOT_SUSPENDED", "INCOMING_NOT_ENROLLED", "OUTGOING_ARREARS", "PENSION_IN_PAYMENT",
        "TEMPORARY_ACCOUNT_REQUIRED",
    }
    assert refusals <= set(messages.CATALOG)
    assert "{amount}" in messages.CATALOG["ARREARS"]["zh"]
    assert messages.text("ARREARS", "en", amount=12.5) == "The employer has arrears (12.5 yuan) to pay first"
    assert messages.text("SOMETHING_NEW") == "SOMETHING_NEW"


def test_the_signature_is_hmac_sha256_over_the_documented_string() -> None:
    body = b'{"a":1}'
    expected = hmac.new(
        b"secret",
        b"POST\n/v1/removals?x=1\n1700000000\njob-1\n" + hashlib.sha256(body).hexdigest().encode(),
        hashlib.sha256,
    ).hexdigest()
    assert sign("secret", "post", "/v1/removals?x=1", "1700000000", "job-1", body) == expected
    headers = signed_headers("app", "secret", "POST", "/v1/removals?x=1", body, "job-1", now=1_700_000_000)
    assert headers["X-Signature"] == expected
    assert verify({"app": "secret"}, "POST", "/v1/removals?x=1", headers, body, now=1_700_000_100) == "app"
    with pytest.raises(SignatureError) as stale:
        verify({"app": "secret"}, "POST", "/v1/removals?x=1", headers, body, now=1_700_000_400)
    assert stale.value.code == "SIGNATURE_EXPIRED"
    with pytest.raises(SignatureError) as changed:
        verify({"app": "secret"}, "POST", "/v1/removals?x=1", headers, b'{"a":2}', now=1_700_000_000)
    assert changed.value.code == "SIGNATURE_INVALID"
    with pytest.raises(SignatureError) as unknown:
        verify({"other": "secret"}, "POST", "/v1/removals?x=1", headers, body, now=1_700_000_000)
    assert unknown.value.code == "UNKNOWN_APP_KEY"


def test_numbers_are_masked_in_anything_logged_or_raised() -> None:
    assert mask_resident_id("11010519491231002X") == "110105********002X"
    assert mask_card_number("6222021234567891234") == "6222 **** **** 1234"
    assert scrub({"note": "证件号11010519491231002X，卡号6222021234567891234", "n": [1]}) == {
        "note": "证件号110105********002X，卡号6222 **** **** 1234", "n": [1]}


def test_the_operator_reference_documents_every_operator_parameter_and_error_code() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "connectors.md").read_text(encoding="utf-8")
    registry = OperatorRegistry()
    register_connectors(registry, ConnectorConfig())
    for name in BUREAU_OPERATORS | BANK_OPERATORS:
        section = doc.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]
        op = registry.get(name)
        for parameter in op.parameters:
            assert f"| `{parameter.name}` |" in section, (name, parameter.name)
        for code in op.error_codes:
            assert f"`{code}`" in section, (name, code)

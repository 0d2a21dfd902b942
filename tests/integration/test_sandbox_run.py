"""Running the sandbox: as ``python -m sandbox`` in its own process, across restarts, and its settings."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import requests

from connectors.bank import BankConnector
from connectors.config import ConnectorConfig
from engine.clock import MovableClock
from sandbox.config import DEFAULT_BANKS, SandboxConfig
from sandbox.run import serve_all
from sandbox.testing import make_resident_id, start_sandbox
from tests.sandbox_fixtures import job_call


def test_python_m_sandbox_serves_every_service_and_writes_the_adapters_file(tmp_path: Path) -> None:
    adapters_file = tmp_path / "adapters.json"
    env = {
        **os.environ,
        "SHEBAO_SANDBOX_DIR": str(tmp_path / "sandbox"),
        "SHEBAO_ADAPTERS_FILE": str(adapters_file),
        "SHEBAO_SANDBOX_BUREAU_PORT": "0",
        "SHEBAO_SANDBOX_BANK_PORTS": "icbc=0,ccb=0,boc=0",
        "SHEBAO_CLOCK_FILE": str(tmp_path / "clock.json"),
    }
    process = subprocess.Popen([sys.executable, "-m", "sandbox"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while not adapters_file.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert adapters_file.exists(), "the sandbox did not start"
        assert adapters_file.stat().st_mode & 0o077 == 0
        adapters = json.loads(adapters_file.read_text())
        assert sorted(adapters["banks"]) == ["boc", "ccb", "icbc"]
        for url in [adapters["bureau"]["url"], *(b["url"] for b in adapters["banks"].values())]:
            assert requests.get(url + "/healthz", timeout=5).json()["status"] == "ok"
        config = ConnectorConfig.from_env({"SHEBAO_ADAPTERS_FILE": str(adapters_file)})
        banks = BankConnector(config)
        found = banks.find_cards({"resident_id": make_resident_id()}, job_call())
        banks.close()
        assert (found["banks_asked"], found["cards"]) == (["icbc", "ccb", "boc"], [])
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert adapters["bureau"]["url"] in output


def test_a_restarted_sandbox_keeps_its_data_and_its_credentials(tmp_path: Path) -> None:
    clock = MovableClock(tmp_path / "clock.json")
    first = start_sandbox(tmp_path / "data", clock)
    resident_id = make_resident_id(sequence=51)
    try:
        first.admin["icbc"].seed({"cards": [{"resident_id": resident_id, "name": "赵六", "region": "110000"}]})
        before = first.servers.adapters()
    finally:
        first.stop()
    second = start_sandbox(tmp_path / "data", clock)
    try:
        after = second.servers.adapters()
        assert after["banks"]["icbc"]["secret"] == before["banks"]["icbc"]["secret"]
        assert after["callback"]["secret"] == before["callback"]["secret"]
        banks = BankConnector(second.connector_config())
        found = banks.find_cards({"resident_id": resident_id}, job_call())
        banks.close()
        assert [c["bank"] for c in found["valid_cards"]] == ["icbc"]
    finally:
        second.stop()


def test_a_taken_port_fails_the_start_and_leaves_nothing_running(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = SandboxConfig(data_dir=tmp_path, bureau_port=0, banks=(replace(DEFAULT_BANKS[0], port=port),),
                               clock=MovableClock(tmp_path / "clock.json"))
        with pytest.raises(OSError):
            serve_all(config, echo=None)


def test_sandbox_settings_come_from_the_environment(tmp_path: Path) -> None:
    config = SandboxConfig.from_env({
        "SHEBAO_SANDBOX_DIR": str(tmp_path),
        "SHEBAO_SANDBOX_BUREAU_PORT": "9710",
        "SHEBAO_SANDBOX_BANK_PORTS": "ccb=9712,boc=9713",
        "SHEBAO_SANDBOX_FAULTS": '{"ccb": {"error_rate": 0.25}, "*": {"latency_ms": 5}}',
        "SHEBAO_BANK_CCB_APP_KEY": "ccb-key",
        "SHEBAO_BANK_CCB_SECRET": "ccb-secret",
        "SHEBAO_SANDBOX_CALLBACK_URL": "http://127.0.0.1:5000/api/v1/messages",
        "SHEBAO_CLOCK": "system",
    })
    assert config.bureau_port == 9710
    assert [(b.code, b.port) for b in config.banks] == [("ccb", 9712), ("boc", 9713)]
    assert config.faults_for("ccb").error_rate == 0.25
    assert config.faults_for("boc").latency_ms == 5
    assert config.credentials["ccb"].app_key == "ccb-key"
    generated = config.with_generated_secrets()
    assert generated.credentials["ccb"].secret == "ccb-secret"
    assert len(generated.credentials["boc"].secret) >= 32
    assert generated.callback_secret


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("SHEBAO_SANDBOX_BANK_PORTS", "icbc:8711", "code=port"),
        ("SHEBAO_SANDBOX_BANK_PORTS", "hsbc=8711", "code=port"),
        ("SHEBAO_SANDBOX_FAULTS", "{not json", "not JSON"),
        ("SHEBAO_SANDBOX_FAULTS", '{"icbc": {"error_rate": 2}}', "error_rate"),
        ("SHEBAO_SANDBOX_BUREAU_PORT", "eighty", "port number"),
    ],
)
def test_malformed_sandbox_settings_are_refused_with_the_variable_named(name: str, value: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        SandboxConfig.from_env({name: value})


def test_the_demo_data_shows_a_duplicate_card_and_a_removal_blocked_by_arrears(tmp_path: Path) -> None:
    from connectors.bureau import BureauConnector
    from engine.errors import BusinessError
    from sandbox.demo_data import DEMO, seed_demo

    running = start_sandbox(tmp_path / "data", MovableClock(tmp_path / "clock.json"))
    try:
        running.set_date(date(2025, 3, 10))
        seed_demo(running.admin)
        banks, bureau = BankConnector(running.connector_config()), BureauConnector(running.connector_config())
        holder = DEMO["card_holder"]
        with pytest.raises(BusinessError) as duplicate:
            banks.apply_card({"bank": "ccb", "resident_id": holder["resident_id"], "name": holder["name"],
                              "region": "110108"}, job_call())
        assert duplicate.value.code == "DUPLICATE_CARD"
        owing = DEMO["arrears"]
        with pytest.raises(BusinessError) as arrears:
            bureau.stop_contribution(
                {"employer_credit_code": owing["credit_code"], "region": owing["region"],
                 "resident_id": owing["resident_id"], "separation_date": "2025-03-07"}, job_call())
        assert arrears.value.code == "ARREARS"
        history = bureau.contribution_history({"resident_id": DEMO["mover"]["resident_id"]}, job_call())
        assert [r["region"] for r in history["summary"]["by_region"]] == ["320500", "110000"]
        banks.close()
        bureau.close()
    finally:
        running.stop()

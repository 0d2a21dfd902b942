"""The shipped process library passes its scenario files with every flow and boundary event covered."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_every_scenario_of_the_process_library_passes_with_full_coverage(tmp_path: Path) -> None:
    env = {**os.environ, "SHEBAO_VAR_DIR": str(tmp_path), "SHEBAO_ENV_FILE": str(tmp_path / "none.env")}
    env.pop("SHEBAO_DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-m", "web.cli", "test", "workflows", "--require-full-coverage"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500, check=False,
    )
    report = out.stdout + out.stderr
    assert out.returncode == 0, report[-4000:]
    for process in ("cross_province_joiner", "enrolment", "transfer", "card_issuance", "stop_contribution"):
        assert f"{process}: sequence flows" in report
    assert "0 failed" in report
    assert "(100%)" in report and "uncovered" not in report

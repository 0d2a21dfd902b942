"""``shebao ocr FILE... [--json]``: per file the type, the fields and the findings; clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from connectors.ocr.cli import ocr_command

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ocr"


def sample_file(defect_prefix: str) -> tuple[dict, Path]:
    manifest = json.loads((FIXTURES / "ground_truth.json").read_text(encoding="utf-8"))
    entry = next(d for d in manifest["documents"] if d["sample"] and any(x.startswith(defect_prefix) for x in d["defects"]))
    return entry, FIXTURES / entry["file"]


@pytest.mark.slow
def test_json_output_gives_dates_as_iso_strings_numbers_masked_and_findings_with_texts() -> None:
    entry, path = sample_file("missing:")
    result = CliRunner().invoke(ocr_command, [str(path), "--json"])
    assert result.exit_code == 0, result.output
    [reading] = json.loads(result.output)
    assert reading["file"] == str(path) and reading["type"] == entry["type"]
    fields = reading["fields"]
    assert fields["entry_date"] == entry["fields"]["entry_date"] and fields["separation_date"] is None
    assert "*" in fields["id_number"] and fields["id_number"][-4:] == entry["fields"]["id_number"][-4:]
    missing = next(f for f in reading["findings"] if f["code"] == "SEPARATION_DATE_MISSING")
    assert missing["message"] == "离职证明未注明离职日期"


@pytest.mark.slow
def test_text_output_speaks_chinese_by_default_and_english_on_request() -> None:
    _entry, path = sample_file("missing:")
    chinese = CliRunner().invoke(ocr_command, [str(path)])
    assert chinese.exit_code == 0 and "类型: 离职证明" in chinese.output and "离职证明未注明离职日期" in chinese.output
    english = CliRunner().invoke(ocr_command, [str(path), "--lang", "en"])
    assert "The separation certificate does not state the separation date" in english.output


def test_a_missing_file_is_one_line_on_stderr_and_a_non_zero_exit() -> None:
    result = CliRunner().invoke(ocr_command, ["/nonexistent/scan.jpg"])
    assert result.exit_code != 0
    assert result.stderr.strip().splitlines() == ["error: no such file: /nonexistent/scan.jpg"]


def test_a_file_of_another_format_is_one_line_on_stderr_and_a_non_zero_exit(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello", encoding="utf-8")
    result = CliRunner().invoke(ocr_command, [str(notes)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"error: {notes}: 文件无法读取：不是图片或PDF文件"]


def test_photos_are_checked_with_their_reasons() -> None:
    photo = next(p for p in sorted((FIXTURES / "photos").iterdir()) if "wrong_size" in p.name)
    result = CliRunner().invoke(ocr_command, ["--photo", str(photo), "--lang", "en"])
    assert result.exit_code == 0
    assert "does not meet the specification" in result.output and "390×567 px; 358×441 px is required" in result.output

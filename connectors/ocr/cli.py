"""``shebao ocr FILE... [--json]``: reads case documents (or checks ID photos) and prints what it found."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from connectors.masking import mask_resident_id
from connectors.ocr.catalog import document_label, field_label, message, value_label
from connectors.ocr.doctypes import FIELD_KINDS
from connectors.ocr.loading import DocumentFormatError
from connectors.ocr.model import DocumentReading, PhotoCheck
from connectors.ocr.photo import check_photo
from connectors.ocr.reader import read_document
from engine.errors import TechnicalError

_WORDS = {
    "zh": {"type": "类型", "confidence": "置信度", "fields": "字段", "findings": "发现", "none": "无",
           "seal": "印章", "present": "清晰", "faint": "模糊", "missing": "未检测到", "overlaps": "压盖出具单位名称",
           "yes": "是", "no": "否", "unknown": "无法判断", "error": "错误", "warning": "提示", "info": "说明",
           "photo": "证件照", "ok": "符合要求", "not_ok": "不符合要求", "pages": "页数"},
    "en": {"type": "type", "confidence": "confidence", "fields": "fields", "findings": "findings", "none": "none",
           "seal": "seal", "present": "present", "faint": "faint", "missing": "missing", "overlaps": "covers the issuer's name",
           "yes": "yes", "no": "no", "unknown": "unknown", "error": "error", "warning": "warning", "info": "note",
           "photo": "ID photo", "ok": "meets the specification", "not_ok": "does not meet the specification",
           "pages": "pages"},
}


def _masked(reading: dict[str, Any], full: bool) -> dict[str, Any]:
    if full or not reading.get("fields", {}).get("id_number"):
        return reading
    out = dict(reading)
    out["fields"] = {**reading["fields"], "id_number": mask_resident_id(reading["fields"]["id_number"])}
    out["repaired"] = [
        {**r, "original": mask_resident_id(r["original"]), "value": mask_resident_id(r["value"])} if r["field"] == "id_number" else r
        for r in reading.get("repaired", [])
    ]
    return out


def _text_reading(path: str, reading: DocumentReading, lang: str, full: bool) -> str:
    w = _WORDS[lang]
    data = _masked(reading.as_dict(), full)
    out = [f"{path}"]
    label = document_label(reading.type, lang) if reading.type else w["unknown"]
    out.append(f"  {w['type']}: {label} ({w['confidence']} {reading.confidence:.2f}, {w['pages']} {reading.pages})")
    if data["fields"]:
        out.append(f"  {w['fields']}:")
        for name, value in data["fields"].items():
            if value is None:
                shown = w["none"]
            elif FIELD_KINDS.get(name) == "amount":
                shown = f"{value:.2f}"
            else:
                shown = value_label(name, value, lang)
            out.append(f"    {field_label(name, lang)}: {shown}")
    if reading.seal is not None:
        seal = f"  {w['seal']}: {w[reading.seal.status]}"
        if reading.seal.overlaps_issuer is not None:
            seal += f"; {w['overlaps']}: {w['yes'] if reading.seal.overlaps_issuer else w['no']}"
        out.append(seal)
    out.append(f"  {w['findings']}:" + ("" if reading.findings else f" {w['none']}"))
    for finding in reading.findings:
        out.append(f"    [{w[finding.severity]}] {message(finding.code, finding.params, lang)}")
    return "\n".join(out)


def _text_photo(path: str, check: PhotoCheck, lang: str) -> str:
    w = _WORDS[lang]
    out = [path, f"  {w['photo']}: {w['ok'] if check.ok else w['not_ok']}"]
    for finding in check.findings:
        out.append(f"    [{w[finding.severity]}] {message(finding.code, finding.params, lang)}")
    return "\n".join(out)


@click.command("ocr")
@click.argument("files", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Language of the texts.")
@click.option("--photo", is_flag=True, help="Check the files as ID photos for a card application instead.")
@click.option("--full-numbers", is_flag=True, help="Show ID numbers in full (masked by default).")
def ocr_command(files: tuple[str, ...], as_json: bool, lang: str, photo: bool, full_numbers: bool) -> None:
    """Read case documents (images or PDFs): type, fields and findings for each FILE."""
    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        click.echo(f"error: no such file: {missing[0]}", err=True)
        sys.exit(2)
    failed = False
    results: list[dict[str, Any]] = []
    for path in files:
        data = Path(path).read_bytes()
        if photo:
            check = check_photo(data)
            results.append({"file": path, **check.as_dict()})
            if not as_json:
                click.echo(_text_photo(path, check, lang))
            continue
        try:
            reading = read_document(data)
        except DocumentFormatError as exc:
            click.echo(f"error: {path}: {message('FILE_NOT_READABLE', {'problem': exc.code}, lang)}", err=True)
            failed = True
            continue
        except TechnicalError as exc:
            click.echo(f"error: OCR is not available: {exc}", err=True)
            sys.exit(3)
        results.append({"file": path, **_masked(reading.as_dict(), full_numbers)})
        if not as_json:
            click.echo(_text_reading(path, reading, lang, full_numbers))
    if as_json:
        for item in results:
            for finding in item.get("findings", []):
                finding["message"] = message(finding["code"], finding["params"], lang)
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
    if failed:
        sys.exit(1)

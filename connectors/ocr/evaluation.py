"""Measures the reader against a ground-truth set: field accuracy, flagged defects, seal calls, speed.

Used by ``bench/ocr_accuracy.py`` (the whole committed set) and by the test suite (its sample).
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.ocr.doctypes import DOCUMENT_TYPES, FIELD_KINDS
from connectors.ocr.model import CaseContext, DocumentReading
from connectors.ocr.reader import ReaderConfig, read_document

# Defects the reader must always flag: a required field left out, a wrong check character.
MUST_FLAG = ("missing:", "glare:", "bad_check:")


def values_match(name: str, expected: Any, found: Any) -> bool:
    """True when a read value equals the truth (text compared without spaces, amounts to the cent)."""
    if expected is None or found is None:
        return expected is None and found is None
    kind = FIELD_KINDS.get(name, "text")
    if kind == "amount":
        try:
            return abs(float(expected) - float(found)) < 0.005
        except (TypeError, ValueError):
            return False
    if kind == "text":
        def norm(s: Any) -> str:
            return re.sub(r"[\s()（）]", "", str(s))

        return norm(expected) == norm(found)
    if kind in ("resident_id", "credit_code"):
        return str(expected).upper() == str(found).upper()
    return expected == found


@dataclass
class DocumentResult:
    """How the reader did on one document."""

    file: str
    expected_type: str
    found_type: str | None
    fields: dict[str, tuple[Any, Any, bool]]  # name -> (expected, found, equal)
    defects: list[str]
    expected_codes: list[str]
    found_codes: list[str]  # error and warning findings only
    seal_expected: dict[str, Any]
    seal_found: dict[str, Any] | None
    pages: int
    seconds: float

    @property
    def missed_codes(self) -> list[str]:
        """Expected findings the reader did not report."""
        return [c for c in self.expected_codes if c not in self.found_codes]

    @property
    def unexpected_codes(self) -> list[str]:
        """Error and warning findings the truth does not call for."""
        return [c for c in self.found_codes if c not in self.expected_codes]

    @property
    def must_flag(self) -> bool:
        """True when the document has a defect that must be flagged (missing field, bad check character)."""
        return any(d.startswith(MUST_FLAG) for d in self.defects)

    @property
    def flagged(self) -> bool:
        """True when every expected finding was reported."""
        return not self.missed_codes


@dataclass
class Report:
    """Results over a set of documents, with the figures the bench prints."""

    results: list[DocumentResult] = field(default_factory=list)

    def _ratio(self, hits: int, total: int) -> float:
        return hits / total if total else 1.0

    def field_accuracy(self, *, doc_type: str | None = None, name: str | None = None) -> tuple[float, int]:
        """Share of fields read right, and how many were compared (filter by type and/or field)."""
        checks = [
            ok
            for r in self.results
            if doc_type in (None, r.expected_type)
            for n, (_e, _f, ok) in r.fields.items()
            if name in (None, n)
        ]
        return self._ratio(sum(checks), len(checks)), len(checks)

    def field_names(self) -> list[str]:
        """Every field compared, in first-seen order."""
        seen: dict[str, None] = {}
        for r in self.results:
            seen.update(dict.fromkeys(r.fields))
        return list(seen)

    def type_accuracy(self) -> tuple[float, int]:
        """Share of documents whose type was told right."""
        return self._ratio(sum(r.found_type == r.expected_type for r in self.results), len(self.results)), len(self.results)

    def flag_recall(self, *, must_only: bool = True) -> tuple[float, int]:
        """Share of defective documents with every expected finding reported (must-flag defects only by default)."""
        docs = [r for r in self.results if (r.must_flag if must_only else r.expected_codes)]
        return self._ratio(sum(r.flagged for r in docs), len(docs)), len(docs)

    def false_flags(self) -> list[tuple[str, list[str]]]:
        """Documents with error or warning findings the truth does not call for."""
        return [(r.file, r.unexpected_codes) for r in self.results if r.unexpected_codes]

    def seal_accuracy(self) -> tuple[float, int]:
        """Share of documents whose seal status (and overlap, where the truth states one) was right."""
        hits = 0
        for r in self.results:
            found = r.seal_found or {"status": "missing", "overlaps_issuer": None}
            ok = found["status"] == r.seal_expected["status"]
            if r.seal_expected.get("overlaps_issuer") is not None:
                ok = ok and found.get("overlaps_issuer") == r.seal_expected["overlaps_issuer"]
            hits += ok
        return self._ratio(hits, len(self.results)), len(self.results)

    def seconds_per_page(self) -> tuple[float, float]:
        """Median and 95th percentile of seconds per page."""
        per_page = sorted(r.seconds / max(1, r.pages) for r in self.results)
        if not per_page:
            return 0.0, 0.0
        p95 = per_page[min(len(per_page) - 1, round(0.95 * (len(per_page) - 1)))]
        return statistics.median(per_page), p95

    def errors(self) -> list[tuple[str, str, Any, Any]]:
        """(file, field, expected, found) for every field read wrong."""
        return [(r.file, n, e, f) for r in self.results for n, (e, f, ok) in r.fields.items() if not ok]


def load_manifest(path: Path) -> dict[str, Any]:
    """The ground-truth manifest at ``path``."""
    return json.loads(path.read_text(encoding="utf-8"))


def evaluate_document(root: Path, entry: dict[str, Any], config: ReaderConfig | None = None) -> tuple[DocumentResult, DocumentReading]:
    """Reads one manifest document and compares the reading with its truth."""
    data = (root / entry["file"]).read_bytes()
    context = CaseContext.from_dict(entry.get("case"))
    started = time.perf_counter()
    reading = read_document(data, context, config)
    seconds = time.perf_counter() - started
    compared = {}
    for name, expected in entry["fields"].items():
        found = reading.fields.get(name) if reading.type == entry["type"] else None
        compared[name] = (expected, found, reading.type == entry["type"] and values_match(name, expected, found))
    result = DocumentResult(
        file=entry["file"],
        expected_type=entry["type"],
        found_type=reading.type,
        fields=compared,
        defects=list(entry.get("defects", ())),
        expected_codes=list(entry.get("findings", ())),
        found_codes=[f.code for f in reading.findings if f.severity in ("error", "warning")],
        seal_expected=entry["seal"],
        seal_found=reading.seal.as_dict() if reading.seal else None,
        pages=reading.pages,
        seconds=seconds,
    )
    return result, reading


def evaluate(manifest_path: Path, *, sample_only: bool = False, types: tuple[str, ...] = DOCUMENT_TYPES,
             config: ReaderConfig | None = None,
             progress: Callable[[DocumentResult], None] | None = None) -> Report:
    """Reads every document of the manifest (or its sample) and collects the results."""
    manifest = load_manifest(manifest_path)
    report = Report()
    for entry in manifest["documents"]:
        if (sample_only and not entry.get("sample")) or entry["type"] not in types:
            continue
        result, _ = evaluate_document(manifest_path.parent, entry, config)
        report.results.append(result)
        if progress:
            progress(result)
    return report

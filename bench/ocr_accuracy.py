"""OCR accuracy on the committed evaluation set: fields per field and per type, flagged defects, speed.

Usage: .venv/bin/python bench/ocr_accuracy.py [--quick] [--manifest PATH] [--verbose] [--check]

``--quick`` reads only the documents marked as the sample (the ones the test suite reads).
``--check`` exits 1 unless field accuracy is at least 95 % and every missing-field or
bad-check-character document is flagged.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors.ocr.doctypes import DOCUMENT_TYPES  # noqa: E402
from connectors.ocr.evaluation import DocumentResult, Report, evaluate  # noqa: E402

DEFAULT_MANIFEST = ROOT / "tests" / "fixtures" / "ocr" / "ground_truth.json"
TARGET_ACCURACY = 0.95


def _pct(value: float) -> str:
    return f"{100 * value:5.1f} %"


def print_report(report: Report, elapsed: float) -> None:
    """Prints the figures of ``report``."""
    print("\nField accuracy per field")
    for name in report.field_names():
        acc, n = report.field_accuracy(name=name)
        print(f"  {name:<20} {_pct(acc)}  ({n})")
    print("\nField accuracy per type")
    for doc_type in DOCUMENT_TYPES:
        acc, n = report.field_accuracy(doc_type=doc_type)
        docs = sum(r.expected_type == doc_type for r in report.results)
        if docs:
            print(f"  {doc_type:<26} {_pct(acc)}  ({n} fields, {docs} documents)")
    acc, n = report.field_accuracy()
    print(f"\nOverall field accuracy          {_pct(acc)}  ({n} fields)")
    tacc, tn = report.type_accuracy()
    print(f"Type told right                 {_pct(tacc)}  ({tn} documents)")
    must, must_n = report.flag_recall()
    every, every_n = report.flag_recall(must_only=False)
    print(f"Flagged: missing field or bad check character  {_pct(must)}  ({must_n} documents)")
    print(f"Flagged: every planted defect                  {_pct(every)}  ({every_n} documents)")
    sacc, sn = report.seal_accuracy()
    print(f"Seal status (and overlap) right {_pct(sacc)}  ({sn} documents)")
    false = report.false_flags()
    print(f"Documents with unexpected findings: {len(false)}")
    for file, codes in false:
        print(f"    {file}: {', '.join(codes)}")
    median, p95 = report.seconds_per_page()
    pages = sum(r.pages for r in report.results)
    print(f"Seconds per page: median {median:.2f}, p95 {p95:.2f} ({pages} pages, {elapsed:.0f} s in all)")


def main(argv: list[str] | None = None) -> int:
    """Runs the evaluation and prints its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the sample documents")
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument("--verbose", "-v", action="store_true", help="one line per document, and every wrong field")
    parser.add_argument("--check", action="store_true", help="exit 1 below the targets")
    args = parser.parse_args(argv)

    def progress(r: DocumentResult) -> None:
        if args.verbose:
            wrong = [f"{n}: {e!r} -> {f!r}" for n, (e, f, ok) in r.fields.items() if not ok]
            status = "ok" if r.found_type == r.expected_type else f"type {r.found_type}"
            print(f"{r.file:<40} {r.seconds:5.1f}s {status}; missed {r.missed_codes or '-'}; "
                  f"unexpected {r.unexpected_codes or '-'}" + (f"; wrong: {'; '.join(wrong)}" if wrong else ""))
        else:
            print(".", end="", flush=True)

    started = time.perf_counter()
    report = evaluate(args.manifest, sample_only=args.quick, progress=progress)
    print_report(report, time.perf_counter() - started)
    acc, _ = report.field_accuracy()
    must, _ = report.flag_recall()
    if args.check and (acc < TARGET_ACCURACY or must < 1.0):
        print(f"\nbelow target: field accuracy {acc:.3f} (target {TARGET_ACCURACY}), flagged {must:.3f} (target 1.0)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Keeps the web's .po catalogs complete: the codes packages define and the texts pages use.

The .po files are the one catalog the web reads (see :mod:`web.i18n`). Packages keep small code
catalogs of their own for the command line; this module copies a code that is new in such a catalog
into both .po files (never overwriting a text already there: once in the .po, the .po is the
authority for the web) and extracts the texts of templates and page modules.

    python -m web.i18n_sources          # add what is missing to web/translations/*/messages.po
    python -m web.i18n_sources --check  # exit 1 and list what is missing or untranslated
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from web.i18n import DEFAULT_LOCALE, LOCALES, po_path

WEB_DIR = Path(__file__).resolve().parent

# (module, attribute, context used only when an earlier catalog defines the code differently)
CODE_CATALOGS: tuple[tuple[str, str, str], ...] = (
    ("forms.messages", "MESSAGES", "form"),
    ("casework.identifier_texts", "MESSAGES", "form"),
    ("casework.warnings", "MESSAGES", "warning"),
    ("connectors.messages", "CATALOG", "connector"),
    ("connectors.ocr.catalog", "CATALOG", "ocr"),
    ("engine.evaluation.messages", "MESSAGES", "evaluation"),
    ("engine.workdays", "MESSAGES", "workdays"),
    ("engine.xmlsafe", "MESSAGES", "deploy"),
    ("engine.bundle", "MESSAGES", "deploy"),
)
# Label tables whose keys appear as parameter values: (module, attribute, msgid prefix).
LABEL_TABLES: tuple[tuple[str, str, str], ...] = (
    ("connectors.ocr.catalog", "DOCUMENT_TYPE_LABELS", "OCR_DOC_"),
    ("connectors.ocr.catalog", "FIELD_LABELS", "OCR_FIELD_"),
    ("connectors.ocr.catalog", "PROBLEM_LABELS", "OCR_PROBLEM_"),
)
LANG_OF = {"zh_Hans_CN": "zh", "en": "en"}


@dataclass(frozen=True)
class CodeEntry:
    """One code text from a package catalog."""

    msgid: str
    context: str | None
    texts: Mapping[str, str]
    origin: str


@dataclass
class Report:
    """What a sync found (and, unless checking, added)."""

    added: dict[str, list[str]] = field(default_factory=dict)
    untranslated: dict[str, list[str]] = field(default_factory=dict)
    missing_sources: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was missing and every text has a translation."""
        return not any(self.added.values()) and not any(self.untranslated.values())


def _load(module: str, attr: str) -> Mapping[str, Mapping[str, str]] | None:
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    table = getattr(mod, attr, None)
    return table if isinstance(table, Mapping) else None


def code_entries(report: Report | None = None) -> list[CodeEntry]:
    """Every code text of the package catalogs, a clashing redefinition under its context."""
    seen: dict[str, Mapping[str, str]] = {}
    out: list[CodeEntry] = []
    for module, attr, context in CODE_CATALOGS:
        table = _load(module, attr)
        if table is None:
            if report is not None:
                report.missing_sources.append(f"{module}.{attr}")
            continue
        for code, texts in table.items():
            if code in seen:
                if seen[code].get("zh") == texts.get("zh"):
                    continue
                out.append(CodeEntry(code, context, texts, f"{module}.{attr}"))
                continue
            seen[code] = texts
            out.append(CodeEntry(code, None, texts, f"{module}.{attr}"))
    for module, attr, prefix in LABEL_TABLES:
        table = _load(module, attr)
        if table is None:
            continue
        for key, texts in table.items():
            out.append(CodeEntry(prefix + key, None, texts, f"{module}.{attr}"))
    values = _load("connectors.ocr.catalog", "VALUE_LABELS") or {}
    for field_name, choices in values.items():
        for value, texts in choices.items():  # type: ignore[attr-defined]
            out.append(CodeEntry(f"OCR_VALUE_{field_name}_{value}", None, texts, "connectors.ocr.catalog.VALUE_LABELS"))
    return out


def page_texts() -> Iterator[tuple[str, str | None, list[tuple[str, int]]]]:
    """(msgid, context, locations) of every text the templates and page modules translate."""
    found: dict[tuple[str, str | None], list[tuple[str, int]]] = {}
    methods = [("templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n,jinja2.ext.do", "newstyle_gettext": "true"}}
    keywords = {"_": None, "gettext": None, "lazy_gettext": None, "pgettext": ((1, "c"), 2), "ngettext": (1, 2)}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(WEB_DIR), method_map=methods, options_map=options, keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if not msgid:
            continue
        found.setdefault((msgid, context), []).append(("web/" + filename, lineno))
    for (msgid, context), locations in found.items():
        yield msgid, context, locations


def _read(locale: str) -> Catalog:
    path = po_path(locale)
    if path.exists():
        with path.open("rb") as fh:
            return read_po(fh, locale=locale)
    return Catalog(locale=locale, project="shebao-flow", domain="messages")


def sync(write: bool = True) -> Report:
    """Add missing codes and page texts to every .po file; report untranslated Chinese texts."""
    report = Report()
    codes = code_entries(report)
    texts = list(page_texts())
    for locale in LOCALES:
        cat = _read(locale)
        lang = LANG_OF[locale]
        added: list[str] = []
        for entry in codes:
            if cat.get(entry.msgid, entry.context) is None:
                text = entry.texts.get(lang) or entry.texts.get("zh") or ""
                flags = ["python-brace-format"] if "{" in text else []
                cat.add(entry.msgid, text, context=entry.context, auto_comments=[f"code from {entry.origin}"], flags=flags)
                added.append(entry.msgid)
        for msgid, context, locations in texts:
            existing = cat.get(msgid, context)
            if existing is None:
                cat.add(msgid, "", locations=locations, context=context)
                added.append(msgid)
            else:
                existing.locations = locations
        report.added[locale] = added
        if locale == DEFAULT_LOCALE:
            report.untranslated[locale] = sorted(
                str(m.id) for m in cat if m.id and not m.string and isinstance(m.id, str)
            )
        if write and added:
            path = po_path(locale)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as fh:
                write_po(fh, cat, width=0, omit_header=False, sort_output=False, include_previous=False)
    return report


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: sync (default) or ``--check``."""
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    report = sync(write=not check)
    for locale, ids in report.added.items():
        for msgid in ids:
            print(f"{'missing' if check else 'added'} in {locale}: {msgid}")
    for locale, ids in report.untranslated.items():
        for msgid in ids:
            print(f"untranslated in {locale}: {msgid}")
    for source in report.missing_sources:
        print(f"note: catalog {source} not found (skipped)")
    if check:
        return 0 if report.ok else 1
    return 0 if not any(report.untranslated.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())

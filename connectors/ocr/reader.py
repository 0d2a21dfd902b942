"""Reads a case document: pages upright and straight, text recognised, type told, fields read and checked."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image

from casework.identifiers import CREDIT_CODE_ALPHABET, validate_credit_code, validate_resident_id
from connectors.ocr import checks, preprocess, seal
from connectors.ocr.classify import classify
from connectors.ocr.doctypes import FIELDS, ID_CARD, SEAL_REQUIRED
from connectors.ocr.extract import EXTRACTORS
from connectors.ocr.extract_common import Extraction, Lines, number_tokens
from connectors.ocr.loading import RENDER_DPI, load_document
from connectors.ocr.model import CaseContext, DocumentReading, Finding, SealCheck
from connectors.ocr.names import plausible_name
from connectors.ocr.tesseract import OcrLine, OcrPage, OcrWord, read_code, recognise
from connectors.ocr.text import CJK, clean_line
from connectors.ocr.voting import second_opinions

SHANGHAI = ZoneInfo("Asia/Shanghai")
ID_CHARSET = "0123456789X"
CREDIT_CHARSET = CREDIT_CODE_ALPHABET  # GB 32100-2015: no I, O, S, V, Z


@dataclass(frozen=True)
class ReaderConfig:
    """Settings of the reader; the defaults suit scans and phone photos of A4 pages and ID cards."""

    lang: str = "chi_sim"
    number_lang: str = "eng"  # second reading of ID numbers and credit codes that fail their check
    psm: int = 6
    max_pages: int = 4
    render_dpi: int = RENDER_DPI
    timeout_seconds: int = 120
    low_confidence: float = 45.0  # below this mean word confidence, ask a person to check
    weak_page_confidence: float = 60.0  # below this, also try the page upside down
    second_opinions: bool = True  # read the lines of names, birth dates and table numbers again and vote
    min_side: int = preprocess.MIN_SIDE  # pages are enlarged until their shorter side has this many pixels


@dataclass
class PageRead:
    """One page as recognised: the upright colour image and the recognised lines."""

    image: Image.Image
    ocr: OcrPage
    seconds: float
    clean: Image.Image | None = None  # the grey image the text was recognised from


def _cjk_count(page: OcrPage) -> int:
    return len(re.findall(f"[{CJK}]", page.text))


def _score(page: OcrPage) -> float:
    return sum(line.confidence * len(line.text) for line in page.lines if line.confidence >= 50)


def read_page(image: Image.Image, config: ReaderConfig | None = None) -> PageRead:
    """Straightens one page image and recognises its text.

    :raises TechnicalError: when tesseract is missing, crashes or times out.
    """
    config = config or ReaderConfig()
    started = time.perf_counter()
    rgb = preprocess.crop_to_document(image.convert("RGB"))
    grey = preprocess.text_layer(rgb)
    if preprocess.lines_run_vertically(grey):
        rgb, grey = preprocess.rotate(rgb, 90), preprocess.rotate(grey, 90)
    angle = preprocess.skew_angle(grey)
    if angle:
        rgb, grey = preprocess.rotate(rgb, angle), preprocess.rotate(grey, angle)
    rgb, grey = preprocess.fit_size(rgb, config.min_side), preprocess.fit_size(grey, config.min_side)
    clean = preprocess.remove_rules(grey)
    ocr = recognise(clean, lang=config.lang, psm=config.psm, timeout=config.timeout_seconds)
    if ocr.confidence < config.weak_page_confidence or _cjk_count(ocr) < 8:
        flipped = preprocess.remove_rules(preprocess.rotate(grey, 180))
        other = recognise(flipped, lang=config.lang, psm=config.psm, timeout=config.timeout_seconds)
        if _score(other) > _score(ocr):
            rgb, ocr, clean = preprocess.rotate(rgb, 180), other, flipped
    ocr = _reread_numbers(clean, ocr, config)
    return PageRead(rgb, ocr, time.perf_counter() - started, clean)


_ID_LABEL = re.compile(r"(?:公民)?身份(?:证)?(?:号码|号|证号|[^\d\s]码)")


def _number_kind(text: str) -> str | None:
    """"credit" or "id" when a line holds a long number, or an ID-number label, without a number that
    passes its check; None otherwise."""
    credit = "信用" in text or "代码" in text
    labelled = credit or _ID_LABEL.search(text) is not None
    tokens = number_tokens(text)
    # a long run of digits, or a number label: dates and periods ("2017-05-07 至 …") are neither
    if not tokens and not (labelled and sum(ch.isdigit() for ch in text) >= 12) and not (labelled and not credit):
        return None
    for token in tokens:
        if credit and validate_credit_code(token).valid:
            return None
        if not credit and validate_resident_id(token).valid:
            return None
    return "credit" if credit else "id"


def _number_box(line: OcrLine) -> tuple[int, int, int, int] | None:
    """Where the number of a line stands: from its first digit, or from the end of its label, to the end."""
    numeric = [k for k, w in enumerate(line.words) if any(ch.isdigit() for ch in w.text)]
    top = min(w.box[1] for w in line.words)
    bottom = max(w.box[3] for w in line.words)
    if numeric:
        words = line.words[numeric[0] : numeric[-1] + 1]
        return _digits_start(words[0]), top, max(w.box[2] for w in words), bottom
    for word in line.words:
        m = _ID_LABEL.search(word.text)
        if m:
            return _position(word, m.end()), top, line.box[2], bottom
    return None


def _position(word: OcrWord, index: int) -> int:
    """The x where character ``index`` of a recognised word begins (Chinese characters being about twice
    as wide as digits and letters)."""
    widths = [2 if re.match(f"[{CJK}]", ch) else 1 for ch in word.text]
    share = sum(widths[:index]) / max(1, sum(widths))
    return round(word.box[0] + (word.box[2] - word.box[0]) * share)


def _digits_start(word: OcrWord) -> int:
    """Where the digits begin inside a recognised word that may start with its label."""
    first = next((k for k, ch in enumerate(word.text) if ch.isdigit()), 0)
    return _position(word, first)


def _reread_numbers(image: Image.Image, page: OcrPage, config: ReaderConfig) -> OcrPage:
    """The page with each long number that fails its check read again with a narrow alphabet."""
    lines = list(page.lines)
    for i, line in enumerate(lines):
        kind = _number_kind(clean_line(line.text))
        box = _number_box(line) if kind and line.words else None
        if kind is None or box is None or box[2] - box[0] < 20:
            continue
        charset = CREDIT_CHARSET if kind == "credit" else ID_CHARSET
        code = read_code(image, box, charset, lang=config.number_lang, timeout=config.timeout_seconds)
        if len(code) > 18:  # a stray mark read as a character: keep the window that passes its check
            check = validate_credit_code if kind == "credit" else validate_resident_id
            code = next((code[k : k + 18] for k in range(len(code) - 17) if check(code[k : k + 18]).valid), code)
        if len(code) == 18:
            first_digit = next((k for k, ch in enumerate(line.text) if ch.isdigit()), len(line.text))
            lines[i] = OcrLine(f"{line.text[:first_digit]} {code}", line.box, line.confidence, line.words)
    return OcrPage(tuple(lines), page.width, page.height)


def _lines(pages: list[PageRead]) -> Lines:
    lines = Lines([])
    for index, page in enumerate(pages):
        for line in page.ocr.lines:
            text = clean_line(line.text)
            if text:
                lines.texts.append(text)
                lines.pages.append(index)
                lines.boxes.append(line.box)
    return lines


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _name_box(lines: Lines, extraction: Extraction) -> tuple[int, tuple[int, int, int, int]] | None:
    """Page and box of the issuer's name: its share of the recognised line it stands on."""
    if extraction.issuer_line is None or not extraction.issuer_text:
        return None
    text = lines.texts[extraction.issuer_line]
    box = lines.boxes[extraction.issuer_line]
    flat = text.replace(" ", "")
    at = flat.find(extraction.issuer_text)
    if at < 0:
        return lines.pages[extraction.issuer_line], box
    width = box[2] - box[0]
    left = box[0] + width * at / len(flat)
    right = box[0] + width * (at + len(extraction.issuer_text)) / len(flat)
    return lines.pages[extraction.issuer_line], (round(left), box[1], round(right), box[3])


def _seal(pages: list[PageRead], lines: Lines, extraction: Extraction | None) -> SealCheck:
    best: tuple[int, seal.SealCandidate] | None = None
    for index, page in enumerate(pages):
        found = seal.find_seals(page.image)
        if found and (best is None or (found[0].coverage, found[0].mean_redness) > (best[1].coverage, best[1].mean_redness)):
            best = (index, found[0])
    if best is None:
        return seal.judge(None)
    index, candidate = best
    overlaps = None
    where = _name_box(lines, extraction) if extraction else None
    if where is not None:
        overlaps = where[0] == index and seal.overlaps_box(candidate, where[1])
    return seal.judge(candidate, page=index + 1, overlaps=overlaps)


CARD_TEXT_SIDE = 0.63  # the portrait takes the right part of an ID card's front; the text is left of it
CARD_FIELDS = ("name", "sex", "ethnicity", "birth_date")


def _card_text_side(pages: list[PageRead], extraction: Extraction, today: date, config: ReaderConfig) -> None:
    """Reads the text side of an ID card again, without the portrait, for the fields the page missed."""
    if all(extraction.fields.get(f) is not None for f in CARD_FIELDS) and plausible_name(extraction.fields["name"]):
        return
    page = pages[0]
    if page.clean is None:
        return
    side = page.clean.crop((0, 0, round(page.clean.width * CARD_TEXT_SIDE), page.clean.height))
    ocr = recognise(side, lang=config.lang, psm=config.psm, timeout=config.timeout_seconds)
    again = EXTRACTORS[ID_CARD](_lines([PageRead(page.image, ocr, 0.0, side)]), today)
    for name in CARD_FIELDS:
        value = again.fields.get(name)
        current = extraction.fields.get(name)
        if value is not None and (current is None or (name == "name" and not plausible_name(current))):
            extraction.fields[name] = value
            extraction.sources.pop(name, None)


def _cross_checks(extraction: Extraction, context: CaseContext, today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """What other parts of the document and the case say a field's value should be, for the vote."""
    known: dict[str, Any] = {"name": context.name}
    tests: dict[str, Any] = {}
    id_number = extraction.fields.get("id_number")
    result = validate_resident_id(id_number, today=today) if id_number else None
    if result is not None and result.valid:
        known["birth_date"] = result.birth_date  # a reading that agrees with the number is taken
    months = [extraction.fields.get(k) for k in ("period_start", "period_end")]
    first, last = (date.fromisoformat(m + "-01") if isinstance(m, str) else None for m in months)
    if first and last and first <= last:
        span = (last.year - first.year) * 12 + last.month - first.month + 1
        tests["months_paid"] = lambda v: isinstance(v, int) and 0 < v <= span
    return known, tests


def interpret(pages: list[PageRead], context: CaseContext | None = None, *, total_pages: int | None = None,
              config: ReaderConfig | None = None) -> DocumentReading:
    """Tells the type of recognised pages, reads and checks their fields, and checks the seal."""
    config = config or ReaderConfig()
    context = context or CaseContext()
    today = context.today or datetime.now(SHANGHAI).date()
    lines = _lines(pages)
    text = lines.joined()
    ocr_conf = sum(p.ocr.confidence * max(1, len(p.ocr.text)) for p in pages) / max(1, sum(max(1, len(p.ocr.text)) for p in pages))
    findings: list[Finding] = []
    doc_type, confidence = classify(text)
    extraction: Extraction | None = None
    fields: dict[str, Any] = {}
    if len(re.findall(f"[{CJK}]", text)) < 4:
        findings.append(Finding("UNREADABLE_DOCUMENT", {}, "error"))
        doc_type, confidence = None, 0.0
    elif doc_type is None:
        findings.append(Finding("UNKNOWN_DOCUMENT_TYPE", {}, "error"))
    if doc_type is not None:
        extraction = EXTRACTORS[doc_type](lines, today)
        if doc_type == ID_CARD:
            _card_text_side(pages, extraction, today, config)
        if config.second_opinions and all(p.clean is not None for p in pages):
            images = [p.clean for p in pages if p.clean is not None]
            known, tests = _cross_checks(extraction, context, today)
            extraction.fields.update(
                second_opinions(lines, extraction, images, EXTRACTORS[doc_type], today, lang=config.lang,
                                timeout=config.timeout_seconds, known=known, plausible=tests)
            )
        fields = {name: _json_value(extraction.fields.get(name)) for name in FIELDS[doc_type]}
        findings += checks.required(doc_type, fields)
        findings += checks.identifiers(fields, today)
        findings += checks.repairs(extraction.repairs)
        findings += checks.dates(doc_type, fields, today)
    findings += checks.case(doc_type, fields, context)
    seal_check = _seal(pages, lines, extraction)
    if doc_type in SEAL_REQUIRED:
        if seal_check.status == "missing":
            findings.append(Finding("SEAL_MISSING", {"document": doc_type}, "error"))
        elif seal_check.status == "faint":
            findings.append(Finding("SEAL_FAINT", {"document": doc_type}, "warning"))
        if seal_check.overlaps_issuer is False:
            findings.append(Finding("SEAL_NOT_ON_ISSUER", {"field": SEAL_REQUIRED[doc_type]}, "warning"))
    if text and ocr_conf < config.low_confidence:
        findings.append(Finding("LOW_OCR_CONFIDENCE", {"confidence": round(ocr_conf)}, "warning"))
    if total_pages and total_pages > len(pages):
        findings.append(Finding("PAGES_NOT_READ", {"pages": total_pages, "read": len(pages)}, "info"))
    return DocumentReading(
        type=doc_type,
        confidence=confidence,
        fields=fields,
        findings=findings,
        repaired=extraction.repairs if extraction else [],
        pages=len(pages),
        seal=seal_check,
        ocr_confidence=ocr_conf,
        text=text,
    )


def read_images(images: list[Image.Image], context: CaseContext | None = None, *, total_pages: int | None = None,
                config: ReaderConfig | None = None) -> DocumentReading:
    """Reads a document given as page images.

    :raises TechnicalError: when tesseract is missing, crashes or times out.
    """
    config = config or ReaderConfig()
    pages = [read_page(image, config) for image in images]
    return interpret(pages, context, total_pages=total_pages, config=config)


def read_document(data: bytes, context: CaseContext | None = None, config: ReaderConfig | None = None) -> DocumentReading:
    """Reads the document in a file's bytes (image or PDF).

    :raises DocumentFormatError: when the bytes are not an image or PDF the reader can open.
    :raises TechnicalError: when tesseract is missing, crashes or times out.
    """
    config = config or ReaderConfig()
    loaded = load_document(data, max_pages=config.max_pages, render_dpi=config.render_dpi)
    return read_images(loaded.pages, context, total_pages=loaded.total_pages, config=config)

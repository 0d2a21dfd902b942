"""Generates test documents of the four case-material types, with their ground truth.

Documents are drawn with Pillow and the Noto CJK font, then scanned or photographed on paper only:
paper tint, blur, grain, specks, skew and turned pages, several layouts per type, and missing or wrong
fields on purpose. Everything is fixed by a seed, so one spec always gives the same file.

``python -m connectors.ocr.generator OUT_DIR`` writes the committed evaluation set (documents, ID
photos and ``ground_truth.json``).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image

from connectors.ocr import synth_identity as ident
from connectors.ocr.doctypes import CONTRACT, CONTRIBUTION, FIELDS, ID_CARD, SEPARATION, missing_code
from connectors.ocr.synth_card import GLARE_BOXES, draw_card, place_card
from connectors.ocr.synth_degrade import apply, pick
from connectors.ocr.synth_layouts import Styles, contract_pages, contribution_page, separation_page
from connectors.ocr.synth_photo import make_photo
from connectors.ocr.synth_seal import stamp
from connectors.ocr.synth_values import case_context, document_values

LAYOUTS: dict[str, tuple[str, ...]] = {
    SEPARATION: ("prose", "form", "letter"),
    CONTRIBUTION: ("table", "list"),
    ID_CARD: ("scan", "photo", "copy"),
    CONTRACT: ("cover", "table"),
}
FORMATS = ("jpeg", "png", "pdf")

# defect -> the finding code the reader must report for it
_DEFECT_CODES = {
    "bad_check:id_number": "ID_NUMBER_INVALID",
    "bad_check:credit_code": "CREDIT_CODE_INVALID",
    "separation_before_entry": "DATES_OUT_OF_ORDER",
    "period_reversed": "DATES_OUT_OF_ORDER",
    "contract_end_before_start": "DATES_OUT_OF_ORDER",
    "birth_date_mismatch": "ID_BIRTH_DATE_MISMATCH",
    "months_exceed_period": "MONTHS_PAID_EXCEED_PERIOD",
    "seal:missing": "SEAL_MISSING",
    "seal:faint": "SEAL_FAINT",
    "seal:off_issuer": "SEAL_NOT_ON_ISSUER",
    "case:name": "NAME_MISMATCH",
    "case:id_number": "ID_NUMBER_MISMATCH",
    "case:separation_range": "SEPARATION_DATE_OUTSIDE_CASE",
    "case:type": "DOCUMENT_TYPE_MISMATCH",
}


def expected_codes(defects: tuple[str, ...]) -> list[str]:
    """The finding codes a reader must report for a document with ``defects``.

    :raises ValueError: on an unknown defect.
    """
    codes = []
    for defect in defects:
        kind, _, arg = defect.partition(":")
        if kind in ("missing", "glare"):
            codes.append(missing_code(arg))
        elif defect in _DEFECT_CODES:
            codes.append(_DEFECT_CODES[defect])
        else:
            raise ValueError(f"unknown defect {defect!r}")
    return sorted(set(codes))


@dataclass(frozen=True)
class DocumentSpec:
    """What to generate: the type, the seed and every choice the seed does not make."""

    type: str
    seed: int
    layout: str | None = None  # None: the seed's turn in the type's layouts
    defects: tuple[str, ...] = ()
    profile: str = "scan"  # clean | scan | poor | photo
    turn: int = 0  # 0, 90, 180, 270: the page is turned over
    format: str = "jpeg"  # jpeg | png | pdf
    with_case: bool = False  # give the reader a case context (the truth's values unless a case: defect)
    second_page: bool = False  # contracts: add a page of clauses
    term: str | None = None  # contracts: "fixed" or "open_ended"; None: picked by the seed
    subject: ident.Person | None = None  # whom the document is about; None: a person drawn by the seed


@dataclass
class GeneratedDocument:
    """A generated document: its pages, its file bytes and what a perfect reader would say."""

    spec: DocumentSpec
    pages: list[Image.Image]
    data: bytes
    extension: str
    truth: dict[str, Any] = field(default_factory=dict)


def _iso(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def _seal(rng: random.Random, page: Image.Image, spec: DocumentSpec, issuer: str | None, box: Any,
          caption: str) -> dict[str, Any]:
    """Stamps the issuer's seal as the defects say; returns the seal truth."""
    if "seal:missing" in spec.defects:
        return {"status": "missing", "overlaps_issuer": None}
    diameter = rng.randrange(230, 262)
    faint = "seal:faint" in spec.defects
    off = "seal:off_issuer" in spec.defects
    if off:
        center = (page.width - 140 - diameter // 2 - rng.randrange(0, 30), 150 + diameter // 2 + rng.randrange(0, 60))
    elif box is not None:
        cx, cy = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
        center = (cx + round(rng.uniform(-0.12, 0.12) * diameter), cy + round(rng.uniform(-0.05, 0.3) * diameter))
    else:
        center = (page.width - 140 - diameter // 2, round(page.height * 0.55))
    stamp(
        page,
        center,
        diameter,
        issuer or "",
        rng,
        strength=rng.uniform(0.28, 0.36) if faint else rng.uniform(0.82, 0.95),
        patchy=rng.uniform(0.4, 0.5) if faint else rng.uniform(0.0, 0.1),
        caption=caption,
    )
    overlaps = None if box is None else not off
    return {"status": "faint" if faint else "present", "overlaps_issuer": overlaps}


def _encode(pages: list[Image.Image], fmt: str, profile: str, dpi: int) -> tuple[bytes, str]:
    buf = io.BytesIO()
    quality = {"clean": 88, "scan": 75, "poor": 70, "photo": 78}[profile]
    if fmt == "jpeg":
        pages[0].save(buf, "JPEG", quality=quality, dpi=(dpi, dpi))
        return buf.getvalue(), "jpg"
    if fmt == "png":
        pages[0].save(buf, "PNG", dpi=(dpi, dpi), optimize=True)
        return buf.getvalue(), "png"
    if fmt == "pdf":
        pages[0].save(buf, "PDF", resolution=float(dpi), save_all=True, append_images=pages[1:], quality=quality)
        return buf.getvalue(), "pdf"
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def generate_document(spec: DocumentSpec) -> GeneratedDocument:
    """Draws the document ``spec`` describes and returns it with its ground truth.

    :raises ValueError: on an unknown type, layout, profile, format or defect.
    """
    rng = random.Random(spec.seed)  # noqa: S311 - seeded test data, not secrets
    layout = spec.layout or LAYOUTS[spec.type][spec.seed % len(LAYOUTS[spec.type])]
    if layout not in LAYOUTS[spec.type]:
        raise ValueError(f"unknown {spec.type} layout {layout!r}")
    codes = expected_codes(spec.defects)
    v, extra = document_values(rng, spec)
    styles = Styles.pick(rng)
    seal: dict[str, Any] = {"status": "missing", "overlaps_issuer": None}
    dpi = 150
    if spec.type == SEPARATION:
        page, box = separation_page(rng, {**v, "sex": extra["sex"]}, layout, styles)
        seal = _seal(rng, page, spec, v["employer"] or extra["employer_org"].name, box, "")
        pages = [page]
    elif spec.type == CONTRIBUTION:
        page, box = contribution_page(rng, v, layout, styles)
        issuer = v["issuer"] or ident.agency(rng).name
        seal = _seal(rng, page, spec, issuer, box, extra["seal_caption"])
        pages = [page]
    elif spec.type == CONTRACT:
        pages = contract_pages(rng, {**v, **extra}, layout, styles, second_page=spec.second_page)
    else:
        shown = {**v, "address": extra["address"]}
        for name in ("name", "ethnicity", "sex", "birth_date"):
            if shown[name] is None:
                shown[name] = getattr(extra["person"], name)
                shown.setdefault("glare", {})[name] = GLARE_BOXES[name]
        pages = [place_card(rng, draw_card(rng, shown), layout)]
        dpi = 300
    degradation = pick(rng, spec.profile, turn=spec.turn)
    pages = [apply(p, degradation, rng) for p in pages]
    data, ext = _encode(pages, spec.format, spec.profile, dpi)
    truth = {
        "type": spec.type,
        "layout": layout,
        "fields": {name: _iso(v.get(name)) for name in FIELDS[spec.type]},
        "findings": codes,
        "seal": seal,
        "case": case_context(rng, spec, v, extra),
        "degradation": degradation.as_dict(),
    }
    if spec.type == CONTRIBUTION:
        for key in ("period_start", "period_end"):
            if truth["fields"][key]:
                truth["fields"][key] = truth["fields"][key][:7]
    return GeneratedDocument(spec=spec, pages=pages, data=data, extension=ext, truth=truth)


def _plan_rows(seed_base: int) -> list[tuple[str, int, dict[str, Any]]]:
    """(type, index, spec options) for the evaluation set; seeds derive from type and index."""
    S, C, I, K = SEPARATION, CONTRIBUTION, ID_CARD, CONTRACT  # noqa: E741 - short row tags
    rows: list[tuple[str, dict[str, Any]]] = [
        (S, {"sample": True}),
        (S, {"turn": 180}),
        (S, {"profile": "poor", "with_case": True}),
        (S, {"profile": "clean", "format": "png"}),
        (S, {"defects": ("missing:separation_date",), "sample": True}),
        (S, {"defects": ("missing:id_number",)}),
        (S, {"defects": ("missing:issue_date",), "profile": "poor"}),
        (S, {"defects": ("missing:name",)}),
        (S, {"defects": ("bad_check:id_number",), "sample": True}),
        (S, {"defects": ("missing:employer",)}),
        (S, {"defects": ("separation_before_entry",)}),
        (S, {"defects": ("seal:missing",)}),
        (S, {"defects": ("seal:faint",)}),
        (S, {"defects": ("seal:off_issuer",)}),
        (S, {"defects": ("case:name",)}),
        (S, {"defects": ("case:separation_range",), "format": "pdf"}),
        (C, {"with_case": True}),
        (C, {"turn": 90}),
        (C, {"profile": "poor"}),
        (C, {"profile": "clean", "format": "pdf"}),
        (C, {"defects": ("missing:contribution_base",)}),
        (C, {"defects": ("missing:period_end",)}),
        (C, {"defects": ("missing:issue_date",)}),
        (C, {"defects": ("missing:id_number",), "profile": "poor"}),
        (C, {"defects": ("bad_check:id_number",)}),
        (C, {"defects": ("bad_check:credit_code",), "sample": True}),
        (C, {"defects": ("period_reversed",)}),
        (C, {"defects": ("months_exceed_period",)}),
        (C, {"defects": ("seal:missing",)}),
        (C, {"defects": ("seal:faint",)}),
        (C, {"defects": ("seal:off_issuer",)}),
        (C, {"defects": ("case:id_number",)}),
        (I, {"layout": "scan", "sample": True}),
        (I, {"layout": "photo", "profile": "photo"}),
        (I, {"layout": "copy"}),
        (I, {"layout": "scan", "profile": "clean", "with_case": True}),
        (I, {"layout": "photo", "profile": "photo"}),
        (I, {"layout": "scan", "profile": "poor"}),
        (I, {"layout": "scan", "defects": ("bad_check:id_number",), "sample": True}),
        (I, {"layout": "photo", "profile": "photo", "defects": ("bad_check:id_number",)}),
        (I, {"layout": "scan", "defects": ("birth_date_mismatch",)}),
        (I, {"layout": "copy", "defects": ("birth_date_mismatch",)}),
        (I, {"layout": "scan", "defects": ("glare:name",)}),
        (I, {"layout": "photo", "profile": "photo", "defects": ("glare:ethnicity",)}),
        (I, {"layout": "scan", "defects": ("glare:birth_date",)}),
        (I, {"layout": "scan", "defects": ("case:name",)}),
        (I, {"layout": "copy", "format": "pdf"}),
        (I, {"layout": "scan", "turn": 270}),
        (K, {"layout": "cover", "sample": True}),
        (K, {"layout": "table"}),
        (K, {"layout": "cover", "profile": "poor", "with_case": True}),
        (K, {"layout": "table", "format": "pdf", "second_page": True}),
        (K, {"layout": "cover", "term": "open_ended"}),
        (K, {"layout": "table", "profile": "poor", "term": "open_ended"}),
        (K, {"layout": "cover", "defects": ("missing:contract_start",)}),
        (K, {"layout": "table", "defects": ("missing:id_number",)}),
        (K, {"layout": "cover", "defects": ("missing:name",)}),
        (K, {"layout": "cover", "defects": ("missing:contract_end",)}),
        (K, {"layout": "table", "defects": ("missing:employer",)}),
        (K, {"layout": "cover", "defects": ("bad_check:id_number",)}),
        (K, {"layout": "table", "defects": ("bad_check:credit_code",)}),
        (K, {"layout": "cover", "defects": ("contract_end_before_start",)}),
        (K, {"layout": "cover", "turn": 180}),
        (K, {"layout": "table", "defects": ("case:type",)}),
    ]
    base = {S: 1000, C: 2000, I: 3000, K: 4000}
    out = []
    counters: dict[str, int] = {}
    for doc_type, options in rows:
        index = counters.get(doc_type, 0)
        counters[doc_type] = index + 1
        out.append((doc_type, seed_base + base[doc_type] + index, options))
    return out


def evaluation_plan(seed_base: int = 0) -> list[tuple[DocumentSpec, bool]]:
    """The evaluation set: (spec, in the make-test sample) per document, with fixed seeds.

    ``seed_base`` 0 is the committed set; any other base gives a development set of the same make-up
    with different content, for tuning the reader without looking at the committed set.
    """
    plan = []
    for doc_type, seed, options in _plan_rows(seed_base):
        opts = dict(options)
        sample = bool(opts.pop("sample", False))
        defects = tuple(opts.pop("defects", ()))
        plan.append((DocumentSpec(type=doc_type, seed=seed, defects=defects, **opts), sample))
    return plan


PHOTO_PLAN = (
    ("good", 5001), ("good", 5002), ("good", 5003), ("wrong_size", 5004), ("blue_background", 5005),
    ("png", 5006), ("low_dpi", 5007), ("too_large", 5008), ("too_small", 5009), ("grayscale", 5010),
)


def write_evaluation_set(out_dir: Path, seed_base: int = 0) -> dict[str, Any]:
    """Writes every planned document and photo into ``out_dir`` and the manifest ``ground_truth.json``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "documents").mkdir(exist_ok=True)
    (out_dir / "photos").mkdir(exist_ok=True)
    short = {SEPARATION: "separation", CONTRIBUTION: "contribution", ID_CARD: "idcard", CONTRACT: "contract"}
    documents = []
    for spec, sample in evaluation_plan(seed_base):
        doc = generate_document(spec)
        name = f"{short[spec.type]}_{spec.seed}.{doc.extension}"
        (out_dir / "documents" / name).write_bytes(doc.data)
        documents.append(
            {
                "file": f"documents/{name}",
                "seed": spec.seed,
                "defects": list(spec.defects),
                "profile": spec.profile,
                "turn": spec.turn,
                "format": spec.format,
                "pages": len(doc.pages),
                "sample": sample,
                **doc.truth,
            }
        )
    photos = []
    for variant, seed in PHOTO_PLAN:
        data, ext, codes = make_photo(seed_base + seed, variant)
        name = f"photo_{seed_base + seed}_{variant}.{ext}"
        (out_dir / "photos" / name).write_bytes(data)
        photos.append({"file": f"photos/{name}", "seed": seed_base + seed, "variant": variant, "ok": not codes, "findings": codes})
    manifest = {
        "generator": "connectors.ocr.generator",
        "seed_base": seed_base,
        "note": "Generated with fixed seeds; regenerate with: python -m connectors.ocr.generator tests/fixtures/ocr",
        "documents": documents,
        "photos": photos,
    }
    (out_dir / "ground_truth.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Command line: write the evaluation set into a folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed-base", type=int, default=0, help="0: the committed set; other: a development set")
    args = parser.parse_args(argv)
    manifest = write_evaluation_set(args.out_dir, args.seed_base)
    print(f"wrote {len(manifest['documents'])} documents and {len(manifest['photos'])} photos to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

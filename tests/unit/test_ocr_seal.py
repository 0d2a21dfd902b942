"""Finding the red seal by colour, shape and ink density, on generated pages."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from connectors.ocr.generator import DocumentSpec, generate_document
from connectors.ocr.seal import find_seals, judge, overlaps_box
from connectors.ocr.synth_seal import stamp


def seal_on(spec: DocumentSpec) -> str:
    page = generate_document(spec).pages[0]
    found = find_seals(page)
    return judge(found[0] if found else None).status


def test_a_well_inked_seal_is_present() -> None:
    assert seal_on(DocumentSpec("separation_certificate", 11, profile="scan")) == "present"


def test_a_dry_patchy_seal_is_faint() -> None:
    assert seal_on(DocumentSpec("separation_certificate", 12, defects=("seal:faint",))) == "faint"


def test_no_seal_is_missing_even_with_a_red_rule_under_the_title() -> None:
    assert seal_on(DocumentSpec("contribution_certificate", 13, layout="list", defects=("seal:missing",))) == "missing"


def test_a_red_stripe_or_red_text_is_not_taken_for_a_seal() -> None:
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((100, 200, 1100, 230), fill=(210, 30, 40))  # a banner
    draw.rectangle((300, 600, 700, 1000), fill=(210, 30, 40))  # a solid red block
    assert find_seals(page) == []


def test_the_seal_box_tells_whether_it_covers_a_name() -> None:
    page = Image.new("RGB", (1240, 1754), "white")
    box = stamp(page, (900, 1200), 250, "北京华信科技有限公司", random.Random(1))
    seal = find_seals(page)[0]
    assert abs(seal.box[0] - box[0]) < 20 and abs(seal.box[3] - box[3]) < 20
    assert overlaps_box(seal, (800, 1180, 1100, 1220))
    assert not overlaps_box(seal, (100, 300, 500, 340))

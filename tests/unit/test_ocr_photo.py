"""The ID-photo check for card applications against a configurable specification."""

from __future__ import annotations

import io

from PIL import Image

from connectors.ocr.model import PhotoSpec
from connectors.ocr.photo import check_photo
from connectors.ocr.synth_photo import PHOTO_VARIANTS, make_photo


def codes_of(data: bytes, spec: PhotoSpec | None = None) -> list[str]:
    return [f.code for f in check_photo(data, spec).findings]


def test_a_photo_to_the_specification_passes_with_its_measurements() -> None:
    data, _ext, _codes = make_photo(1, "good")
    check = check_photo(data)
    assert check.ok and check.findings == []
    assert (check.measured.width, check.measured.height, check.measured.format, check.measured.mode) == (358, 441, "JPEG", "RGB")
    assert check.measured.dpi == (350.0, 350.0)
    assert check.measured.background_white_share is not None and check.measured.background_white_share > 0.9


def test_each_broken_rule_is_reported_with_its_reason() -> None:
    for variant in PHOTO_VARIANTS:
        data, _ext, expected = make_photo(7, variant)
        assert sorted(codes_of(data)) == sorted(expected), variant


def test_the_size_finding_states_measured_and_required_pixels() -> None:
    data, _ext, _codes = make_photo(2, "wrong_size")
    finding = check_photo(data).findings[0]
    assert finding.params == {"width": 390, "height": 567, "expected_width": 358, "expected_height": 441}


def test_local_limits_are_set_by_the_caller() -> None:
    data, _ext, _codes = make_photo(3, "wrong_size")
    local = PhotoSpec(width=390, height=567, max_kb=60)
    assert codes_of(data, local) == []


def test_a_photo_without_a_recorded_resolution_is_reported() -> None:
    data, _ext, _codes = make_photo(4, "good")
    image = Image.open(io.BytesIO(data))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90)
    assert "PHOTO_DPI_MISSING" in codes_of(buf.getvalue())


def test_a_file_that_is_not_an_image_is_unreadable() -> None:
    check = check_photo(b"%PDF-1.4 not really")
    assert not check.ok and [f.code for f in check.findings] == ["PHOTO_UNREADABLE"]

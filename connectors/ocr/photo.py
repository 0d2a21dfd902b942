"""Checks an ID photo for a social security card application against the photo specification."""

from __future__ import annotations

import io

from PIL import Image, ImageChops, UnidentifiedImageError

from connectors.ocr.model import Finding, PhotoCheck, PhotoMeasurement, PhotoSpec

_BITS = {"1": "1-bit", "L": "8-bit grey", "P": "8-bit palette", "RGB": "24-bit RGB", "RGBA": "32-bit RGBA",
         "CMYK": "32-bit CMYK", "LA": "16-bit grey", "I;16": "16-bit grey"}


def _background_white_share(image: Image.Image, spec: PhotoSpec) -> float:
    """Share of near-white pixels in the band along the top, left and right edges (the shoulders
    reach the bottom edge, so it is left out)."""
    rgb = image.convert("RGB")
    w, h = rgb.size
    band = max(2, round(min(w, h) * spec.border_fraction))
    regions = [(0, 0, w, band), (0, band, band, h), (w - band, band, w, h)]
    white = total = 0
    for box in regions:
        part = rgb.crop(box)
        r, g, b = part.split()
        low = ImageChops.darker(r, ImageChops.darker(g, b))
        high = ImageChops.lighter(r, ImageChops.lighter(g, b))
        bright = low.point(lambda v: 255 if v >= spec.white_min_level else 0)
        even = ImageChops.subtract(high, low).point(lambda v: 255 if v <= spec.white_max_spread else 0)
        both = ImageChops.multiply(bright, even)
        white += both.histogram()[255]
        total += part.width * part.height
    return white / total if total else 0.0


def check_photo(data: bytes, spec: PhotoSpec | None = None) -> PhotoCheck:
    """Checks format, pixel size, resolution, colour mode, file size and white background of a photo.

    Every rule broken gives one finding with the measured and the required value; ``ok`` is True
    only when there is none. A file that is not an image gives PHOTO_UNREADABLE.
    """
    spec = spec or PhotoSpec()
    kb = round(len(data) / 1024, 1)
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        detail = "not an image" if isinstance(exc, UnidentifiedImageError) else "damaged"
        measured = PhotoMeasurement(None, None, None, None, None, kb, None)
        return PhotoCheck(False, [Finding("PHOTO_UNREADABLE", {"detail": detail}, "error")], measured, spec)
    findings: list[Finding] = []
    if image.format != spec.format:
        findings.append(Finding("PHOTO_FORMAT_INVALID", {"found": image.format or "?", "expected": spec.format}, "error"))
    if image.size != (spec.width, spec.height):
        findings.append(
            Finding(
                "PHOTO_SIZE_INVALID",
                {"width": image.width, "height": image.height, "expected_width": spec.width, "expected_height": spec.height},
                "error",
            )
        )
    dpi_info = image.info.get("dpi")
    dpi = (float(dpi_info[0]), float(dpi_info[1])) if dpi_info else None
    if dpi is None or not dpi[0]:
        findings.append(Finding("PHOTO_DPI_MISSING", {"expected": spec.dpi}, "error"))
    elif any(abs(value - spec.dpi) > 1 for value in dpi):  # PNG stores dots per metre: allow rounding
        findings.append(Finding("PHOTO_DPI_INVALID", {"found": round(dpi[0]), "expected": spec.dpi}, "error"))
    if image.mode != spec.mode:
        findings.append(Finding("PHOTO_COLOR_INVALID", {"found": _BITS.get(image.mode, image.mode)}, "error"))
    if kb < spec.min_kb:
        findings.append(Finding("PHOTO_FILE_TOO_SMALL", {"kb": kb, "min_kb": spec.min_kb}, "error"))
    elif kb > spec.max_kb:
        findings.append(Finding("PHOTO_FILE_TOO_LARGE", {"kb": kb, "max_kb": spec.max_kb}, "error"))
    share = _background_white_share(image, spec)
    if share < spec.white_min_share:
        findings.append(
            Finding(
                "PHOTO_BACKGROUND_NOT_WHITE",
                {"share": round(share * 100), "min_share": round(spec.white_min_share * 100)},
                "error",
            )
        )
    measured = PhotoMeasurement(image.width, image.height, dpi, image.format, image.mode, kb, round(share, 3))
    return PhotoCheck(not findings, findings, measured, spec)

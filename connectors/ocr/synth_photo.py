"""Makes ID-photo files for card applications, good ones and ones that break one rule each."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from connectors.ocr.model import PhotoSpec

PHOTO_VARIANTS = ("good", "wrong_size", "blue_background", "png", "low_dpi", "too_large", "too_small", "grayscale")


def _portrait(rng: random.Random, size: tuple[int, int], background: tuple[int, int, int]) -> Image.Image:
    w, h = size
    img = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(img)
    skin = rng.choice(((232, 196, 170), (222, 184, 152), (240, 208, 184)))
    cloth = rng.choice(((30, 40, 70), (50, 50, 55), (90, 30, 40), (240, 240, 245)))
    cx = w // 2 + rng.randrange(-6, 7)
    draw.rounded_rectangle((cx - w * 0.42, h * 0.70, cx + w * 0.42, h * 1.2), radius=round(w * 0.2), fill=cloth)
    draw.rectangle((cx - w * 0.08, h * 0.58, cx + w * 0.08, h * 0.74), fill=skin)
    draw.ellipse((cx - w * 0.22, h * 0.18, cx + w * 0.22, h * 0.66), fill=skin)
    draw.chord((cx - w * 0.24, h * 0.13, cx + w * 0.24, h * 0.52), 180, 360, fill=(25, 22, 20))
    for ex in (-0.09, 0.09):
        draw.ellipse((cx + w * ex - 7, h * 0.40 - 4, cx + w * ex + 7, h * 0.40 + 4), fill=(40, 30, 30))
    draw.arc((cx - w * 0.07, h * 0.50, cx + w * 0.07, h * 0.57), 20, 160, fill=(160, 80, 80), width=3)
    img = img.filter(ImageFilter.GaussianBlur(1.0))
    # camera grain, kept off the background so it stays white
    grain = Image.frombytes("L", size, rng.randbytes(w * h)).point(lambda v: 128 + (v - 128) // 10)
    subject = Image.new("L", size, 0)
    ImageDraw.Draw(subject).ellipse((cx - w * 0.3, h * 0.1, cx + w * 0.3, h * 0.75), fill=255)
    ImageDraw.Draw(subject).rectangle((0, round(h * 0.70), w, h), fill=255)
    noisy = ImageChops.add(img, grain.convert("RGB"), offset=-128)
    return Image.composite(noisy, img, subject)


def _jpeg(img: Image.Image, dpi: int, quality: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, dpi=(dpi, dpi))
    return buf.getvalue()


def _fit_jpeg(img: Image.Image, dpi: int, low_kb: float, high_kb: float) -> bytes:
    """The JPEG of ``img`` whose size lands in [low_kb, high_kb], trying qualities from high to low."""
    for quality in range(98, 20, -2):
        data = _jpeg(img, dpi, quality)
        if low_kb * 1024 <= len(data) <= high_kb * 1024:
            return data
    raise RuntimeError("could not fit the photo into the size window")


def make_photo(seed: int, variant: str, spec: PhotoSpec | None = None) -> tuple[bytes, str, list[str]]:
    """A photo file for ``variant``: its bytes, file extension and the finding codes it must draw.

    :raises ValueError: on an unknown variant.
    """
    spec = spec or PhotoSpec()
    rng = random.Random(seed)  # noqa: S311 - seeded test data, not secrets
    white = (255, 255, 255)
    size = (spec.width, spec.height)
    lo, hi = spec.min_kb + 4, spec.max_kb - 6
    if variant == "good":
        return _fit_jpeg(_portrait(rng, size, white), spec.dpi, lo, hi), "jpg", []
    if variant == "wrong_size":
        return _fit_jpeg(_portrait(rng, (390, 567), white), spec.dpi, lo, hi), "jpg", ["PHOTO_SIZE_INVALID"]
    if variant == "blue_background":
        img = _portrait(rng, size, (67, 142, 219))
        return _fit_jpeg(img, spec.dpi, lo, hi), "jpg", ["PHOTO_BACKGROUND_NOT_WHITE"]
    if variant == "png":
        img = _portrait(rng, size, white).quantize(48).convert("RGB")
        buf = io.BytesIO()
        img.save(buf, "PNG", dpi=(spec.dpi, spec.dpi), optimize=True)
        data = buf.getvalue()
        codes = ["PHOTO_FORMAT_INVALID"]
        if len(data) > spec.max_kb * 1024:
            codes.append("PHOTO_FILE_TOO_LARGE")
        elif len(data) < spec.min_kb * 1024:
            codes.append("PHOTO_FILE_TOO_SMALL")
        return data, "png", codes
    if variant == "low_dpi":
        return _fit_jpeg(_portrait(rng, size, white), 72, lo, hi), "jpg", ["PHOTO_DPI_INVALID"]
    if variant == "too_large":
        img = _portrait(rng, size, white)
        noise = Image.frombytes("L", size, rng.randbytes(size[0] * size[1])).point(lambda v: 128 + (v - 128) // 5)
        img = ImageChops.add(img, noise.convert("RGB"), offset=-128)
        data = _jpeg(img, spec.dpi, 98)
        if len(data) <= spec.max_kb * 1024:
            raise RuntimeError("the noisy photo came out too small")
        return data, "jpg", ["PHOTO_FILE_TOO_LARGE"]
    if variant == "too_small":
        data = _jpeg(_portrait(rng, size, white).filter(ImageFilter.GaussianBlur(3)), spec.dpi, 20)
        if len(data) >= spec.min_kb * 1024:
            raise RuntimeError("the blurred photo came out too large")
        return data, "jpg", ["PHOTO_FILE_TOO_SMALL"]
    if variant == "grayscale":
        img = _portrait(rng, size, white).convert("L")
        buf = io.BytesIO()
        for quality in range(98, 20, -2):
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=quality, dpi=(spec.dpi, spec.dpi))
            if buf.tell() <= hi * 1024:
                break
        data = buf.getvalue()
        codes = ["PHOTO_COLOR_INVALID"]
        if len(data) < spec.min_kb * 1024:
            codes.append("PHOTO_FILE_TOO_SMALL")
        return data, "jpg", codes
    raise ValueError(f"unknown photo variant {variant!r}; use one of {', '.join(PHOTO_VARIANTS)}")

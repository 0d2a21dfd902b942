"""Makes a clean generated page look scanned or photographed: tint, blur, noise, specks, rotation."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter


@dataclass(frozen=True)
class Degradation:
    """How a page is spoiled; all parts are fixed by the document's seed."""

    rotation: float = 0.0  # degrees, counter-clockwise; multiples of 90 turn the page over
    blur: float = 0.0  # Gaussian radius in pixels
    noise: int = 0  # amplitude of grain, 0..255
    specks: int = 0  # number of dark dust specks
    contrast: float = 1.0
    brightness: float = 1.0
    tint: tuple[int, int, int] = (255, 255, 255)  # paper colour
    shade: float = 0.0  # strength of uneven lighting (photos)

    def as_dict(self) -> dict[str, Any]:
        """The degradation as a JSON-able dict."""
        out = asdict(self)
        out["tint"] = list(self.tint)
        return out


PROFILES = ("clean", "scan", "poor", "photo")


def pick(rng: random.Random, profile: str, *, turn: int = 0) -> Degradation:
    """A degradation of the given ``profile``, plus a ``turn`` of 0, 90, 180 or 270 degrees."""
    if profile == "clean":
        return Degradation(rotation=float(turn))
    if profile == "scan":
        return Degradation(
            rotation=turn + round(rng.uniform(-1.5, 1.5), 2),
            blur=round(rng.uniform(0.3, 0.7), 2),
            noise=rng.randrange(4, 9),
            specks=rng.randrange(0, 40),
            contrast=round(rng.uniform(0.9, 1.05), 2),
            tint=(rng.randrange(244, 256), rng.randrange(242, 254), rng.randrange(232, 248)),
        )
    if profile == "poor":
        return Degradation(
            rotation=turn + round(rng.uniform(-3.0, 3.0), 2),
            blur=round(rng.uniform(0.7, 1.1), 2),
            noise=rng.randrange(10, 16),
            specks=rng.randrange(40, 120),
            contrast=round(rng.uniform(0.75, 0.9), 2),
            brightness=round(rng.uniform(0.95, 1.05), 2),
            tint=(rng.randrange(236, 250), rng.randrange(232, 246), rng.randrange(220, 238)),
        )
    if profile == "photo":
        return Degradation(
            rotation=turn + round(rng.uniform(-5.0, 5.0), 2),
            blur=round(rng.uniform(0.4, 0.9), 2),
            noise=rng.randrange(6, 12),
            contrast=round(rng.uniform(0.85, 1.0), 2),
            shade=round(rng.uniform(0.1, 0.25), 2),
        )
    raise ValueError(f"unknown degradation profile {profile!r}")


def apply(image: Image.Image, d: Degradation, rng: random.Random) -> Image.Image:
    """``image`` spoiled by ``d`` (a new image)."""
    out = image.convert("RGB")
    if d.tint != (255, 255, 255):
        out = ImageChops.multiply(out, Image.new("RGB", out.size, d.tint))
    if d.specks:
        draw = ImageDraw.Draw(out)
        for _ in range(d.specks):
            x, y = rng.randrange(out.width), rng.randrange(out.height)
            r = rng.choice((1, 1, 2, 3))
            g = rng.randrange(40, 140)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(g, g, g))
    if d.shade:
        out = _shade(out, d.shade, rng)
    if d.rotation:
        fill = out.getpixel((2, 2))
        out = out.rotate(d.rotation, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)
    if d.blur:
        out = out.filter(ImageFilter.GaussianBlur(d.blur))
    if d.contrast != 1.0:
        out = ImageEnhance.Contrast(out).enhance(d.contrast)
    if d.brightness != 1.0:
        out = ImageEnhance.Brightness(out).enhance(d.brightness)
    if d.noise:
        out = _grain(out, d.noise, rng)
    return out


def _grain(image: Image.Image, amplitude: int, rng: random.Random) -> Image.Image:
    """Adds seeded grey grain of +-``amplitude`` (the same seed gives the same grain)."""
    w, h = image.size
    a = Image.frombytes("L", (w, h), rng.randbytes(w * h))
    b = Image.frombytes("L", (w, h), rng.randbytes(w * h))
    tri = ImageChops.add(a, b, scale=2.0)  # triangular distribution around 127
    lut = [max(0, min(255, 128 + round((v - 127) * amplitude / 127))) for v in range(256)]
    grain = tri.point(lut).convert("RGB")
    return ImageChops.add(image, grain, scale=1.0, offset=-128)


def _shade(image: Image.Image, strength: float, rng: random.Random) -> Image.Image:
    """Uneven lighting: a linear fall-off across the picture."""
    ramp = Image.linear_gradient("L")
    if rng.random() < 0.5:
        ramp = ramp.rotate(90)
    ramp = ramp.resize(image.size)
    lut = [round(255 * (1 - strength * v / 255)) for v in range(256)]
    return ImageChops.multiply(image, ramp.point(lut).convert("RGB"))

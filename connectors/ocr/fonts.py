"""Finds the CJK font the system-install script brings (fonts-noto-cjk) for drawing documents."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")
_FILES = {
    "sans": "NotoSansCJK-Regular.ttc",
    "sans-bold": "NotoSansCJK-Bold.ttc",
    "serif": "NotoSerifCJK-Regular.ttc",
    "serif-bold": "NotoSerifCJK-Bold.ttc",
}


class FontNotFound(RuntimeError):
    """No CJK font is installed (run scripts/install-system-deps.sh, or set SHEBAO_CJK_FONT)."""


@lru_cache(maxsize=8)
def font_path(style: str = "sans") -> Path:
    """The path of the Noto CJK font file for ``style`` (sans, sans-bold, serif, serif-bold).

    ``SHEBAO_CJK_FONT`` overrides the search with one font file used for every style.

    :raises FontNotFound: when no such font is installed.
    """
    override = os.environ.get("SHEBAO_CJK_FONT")
    if override:
        return Path(override)
    wanted = _FILES.get(style)
    if wanted is None:
        raise ValueError(f"unknown font style {style!r}")
    candidates = [wanted, _FILES["sans"]]
    for directory in FONT_DIRS:
        if not directory.is_dir():
            continue
        for name in candidates:
            found = sorted(directory.rglob(name))
            if found:
                return found[0]
    raise FontNotFound("no Noto CJK font found; run scripts/install-system-deps.sh or set SHEBAO_CJK_FONT")


@lru_cache(maxsize=16)
def _sc_index(path: Path) -> int:
    """The face index of the Simplified Chinese face inside a font collection (0 for a single font)."""
    for index in range(12):
        try:
            family = ImageFont.truetype(str(path), 12, index=index).getname()[0]
        except OSError:
            break
        if family.endswith(" SC"):
            return index
    return 0


@lru_cache(maxsize=128)
def font(size: int, style: str = "sans") -> ImageFont.FreeTypeFont:
    """A Simplified Chinese font of ``size`` pixels in ``style``.

    :raises FontNotFound: when no CJK font is installed.
    """
    path = font_path(style)
    return ImageFont.truetype(str(path), size, index=_sc_index(path))

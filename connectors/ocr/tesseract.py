"""Runs tesseract (through pytesseract) on a page image and returns lines of words with boxes."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import pytesseract
from PIL import Image

from engine.errors import TechnicalError

LANG = "chi_sim+eng"
TIMEOUT_SECONDS = 120
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class OcrWord:
    """One recognised word with its box and confidence."""

    text: str
    box: tuple[int, int, int, int]
    confidence: float


@dataclass(frozen=True)
class OcrLine:
    """One recognised line: its text (CJK runs joined without spaces), box, mean confidence and words."""

    text: str
    box: tuple[int, int, int, int]
    confidence: float
    words: tuple[OcrWord, ...] = ()


@dataclass(frozen=True)
class OcrPage:
    """What tesseract read on one page."""

    lines: tuple[OcrLine, ...]
    width: int
    height: int

    @property
    def text(self) -> str:
        """All lines, one per line."""
        return "\n".join(line.text for line in self.lines)

    @property
    def confidence(self) -> float:
        """Mean line confidence, weighted by text length (0 for an empty page)."""
        total = sum(len(line.text) for line in self.lines)
        if not total:
            return 0.0
        return sum(line.confidence * len(line.text) for line in self.lines) / total


@lru_cache(maxsize=1)
def available_languages() -> frozenset[str]:
    """The tesseract languages installed here.

    :raises TechnicalError: when tesseract is not installed or does not run.
    """
    try:
        return frozenset(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError) as exc:
        raise TechnicalError(f"tesseract is not available: {exc}") from exc


def ensure_languages(lang: str = LANG) -> None:
    """Checks that tesseract and every language in ``lang`` are installed.

    Also limits tesseract to one OpenMP thread unless ``OMP_THREAD_LIMIT`` is set already: measured on
    two cores, its threads made each call about a quarter slower, and callers run pages side by side.

    :raises TechnicalError: when tesseract or a language is missing.
    """
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    missing = [part for part in lang.split("+") if part not in available_languages()]
    if missing:
        raise TechnicalError(f"tesseract language data missing: {', '.join(missing)}")


def _join(words: list[str]) -> str:
    out = ""
    for word in words:
        if out and not (_CJK.search(out[-1]) or _CJK.search(word[0])):
            out += " "
        out += word
    return out


def recognise(image: Image.Image, *, lang: str = LANG, psm: int = 6, timeout: int = TIMEOUT_SECONDS) -> OcrPage:
    """Recognises the text of ``image`` line by line.

    :raises TechnicalError: when tesseract is missing, crashes or times out.
    """
    ensure_languages(lang)
    try:
        data = pytesseract.image_to_data(
            image, lang=lang, config=f"--psm {psm}", output_type=pytesseract.Output.DICT, timeout=timeout
        )
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, RuntimeError, OSError) as exc:
        raise TechnicalError(f"tesseract failed: {exc}") from exc
    groups: dict[tuple[int, int, int], list[int]] = {}
    for i, word in enumerate(data["text"]):
        if word and word.strip() and float(data["conf"][i]) >= 0:
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            groups.setdefault(key, []).append(i)
    lines = []
    for idx in groups.values():
        words = tuple(
            OcrWord(
                unicodedata.normalize("NFKC", data["text"][i].strip()),
                (data["left"][i], data["top"][i], data["left"][i] + data["width"][i], data["top"][i] + data["height"][i]),
                float(data["conf"][i]),
            )
            for i in idx
        )
        left = min(w.box[0] for w in words)
        top = min(w.box[1] for w in words)
        right = max(w.box[2] for w in words)
        bottom = max(w.box[3] for w in words)
        conf = sum(w.confidence for w in words) / len(words)
        lines.append(OcrLine(_join([w.text for w in words]), (left, top, right, bottom), conf, words))
    lines.sort(key=lambda line: (line.box[1], line.box[0]))
    return OcrPage(tuple(lines), image.width, image.height)


def read_line(image: Image.Image, box: tuple[int, int, int, int], *, scale: float = 1.0, binarise: bool = False,
              lang: str = LANG, timeout: int = TIMEOUT_SECONDS) -> str:
    """Reads the single line of text in ``box`` of ``image`` again, optionally enlarged or black-and-white.

    :raises TechnicalError: when tesseract is missing, crashes or times out.
    """
    ensure_languages(lang)
    pad = max(4, (box[3] - box[1]) // 4)
    crop = image.crop((max(0, box[0] - pad), max(0, box[1] - pad), min(image.width, box[2] + pad), min(image.height, box[3] + pad)))
    if scale != 1.0:
        crop = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.Resampling.LANCZOS)
    if binarise:
        crop = crop.convert("L").point(lambda v: 255 if v > 140 else 0)
    try:
        return pytesseract.image_to_string(crop, lang=lang, config="--psm 7", timeout=timeout).strip()
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, RuntimeError, OSError) as exc:
        raise TechnicalError(f"tesseract failed: {exc}") from exc


def read_code(image: Image.Image, box: tuple[int, int, int, int], charset: str, *, lang: str = "eng",
              timeout: int = TIMEOUT_SECONDS) -> str:
    """Reads one line of letters and digits in ``box`` of ``image``, allowing only ``charset``.

    Used again on number lines (ID numbers, credit codes) that the page pass got wrong: a narrow
    alphabet and the Latin model read spaced digits more reliably than the Chinese page model.

    :raises TechnicalError: when tesseract is missing, crashes or times out.
    """
    ensure_languages(lang)
    pad = max(6, (box[3] - box[1]) // 3)
    crop = image.crop((max(0, box[0] - pad), max(0, box[1] - pad), min(image.width, box[2] + pad), min(image.height, box[3] + pad)))
    if crop.height < 60:
        factor = 60 / max(1, crop.height)
        crop = crop.resize((round(crop.width * factor), round(crop.height * factor)), Image.Resampling.LANCZOS)
    try:
        text = pytesseract.image_to_string(
            crop, lang=lang, config=f"--psm 7 -c tessedit_char_whitelist={charset}", timeout=timeout
        )
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, RuntimeError, OSError) as exc:
        raise TechnicalError(f"tesseract failed: {exc}") from exc
    return "".join(text.split())

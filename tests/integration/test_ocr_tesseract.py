"""Technical failures of tesseract surface as TechnicalError, so the engine retries and opens an incident."""

from __future__ import annotations

from collections.abc import Iterator

import pytesseract
import pytest
from PIL import Image

from connectors.ocr.reader import ReaderConfig, read_images
from connectors.ocr.tesseract import available_languages
from engine.errors import TechnicalError


@pytest.fixture
def missing_tesseract(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    available_languages.cache_clear()
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    yield
    available_languages.cache_clear()


def test_a_missing_tesseract_is_a_technical_error(missing_tesseract: None) -> None:
    with pytest.raises(TechnicalError, match="tesseract is not available"):
        read_images([Image.new("RGB", (1240, 1754), "white")])


def test_missing_language_data_is_a_technical_error() -> None:
    with pytest.raises(TechnicalError, match="language data missing: klingon"):
        read_images([Image.new("RGB", (1240, 1754), "white")], config=ReaderConfig(lang="chi_sim+klingon"))


def test_the_installed_tesseract_has_the_chinese_and_english_data() -> None:
    assert {"chi_sim", "eng"} <= available_languages()

"""Opening uploaded files as page images: images, PDFs rendered without poppler, and refusals."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from connectors.ocr.loading import DocumentFormatError, load_document


def pdf_of(*sizes: tuple[int, int]) -> bytes:
    pages = [Image.new("RGB", size, "white") for size in sizes]
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", resolution=150.0, save_all=True, append_images=pages[1:])
    return buf.getvalue()


def test_pdf_pages_are_rendered_to_images() -> None:
    loaded = load_document(pdf_of((1240, 1754), (1240, 1754)), render_dpi=100)
    assert loaded.format == "PDF" and loaded.total_pages == 2 and len(loaded.pages) == 2
    assert loaded.pages[0].mode == "RGB"
    assert abs(loaded.pages[0].width - round(1240 / 150 * 100)) <= 2


def test_only_the_first_pages_are_loaded_but_all_are_counted() -> None:
    loaded = load_document(pdf_of(*[(300, 400)] * 5), max_pages=2)
    assert len(loaded.pages) == 2 and loaded.total_pages == 5


def test_an_image_is_turned_upright_by_its_exif_orientation() -> None:
    image = Image.new("RGB", (200, 100), "white")
    exif = image.getexif()
    exif[0x0112] = 6  # rotated 90 degrees
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif)
    assert load_document(buf.getvalue()).pages[0].size == (100, 200)


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"", "FILE_EMPTY"), (b"hello, world", "FILE_FORMAT_UNSUPPORTED"), (b"%PDF-1.7\nbroken", "FILE_DAMAGED")],
)
def test_files_that_are_not_documents_are_refused_with_a_reason(data: bytes, code: str) -> None:
    with pytest.raises(DocumentFormatError) as caught:
        load_document(data)
    assert caught.value.code == code

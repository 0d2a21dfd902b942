"""Turns the bytes of an uploaded file into page images: JPEG/PNG/TIFF/BMP/WebP, or PDF pages rendered."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pypdfium2 as pdfium
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 40_000_000  # per page, after rendering
MAX_BYTES = 25 * 1024 * 1024
RENDER_DPI = 200
IMAGE_FORMATS = ("JPEG", "PNG", "TIFF", "BMP", "WEBP", "MPO")


class DocumentFormatError(ValueError):
    """The file is not a document the reader can open; ``code`` and ``params`` say why."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass
class LoadedDocument:
    """The pages of a file, as RGB images, and how many pages the file has in all."""

    pages: list[Image.Image]
    total_pages: int
    format: str
    dpi: list[float] = field(default_factory=list)


def load_document(data: bytes, *, max_pages: int = 4, render_dpi: int = RENDER_DPI) -> LoadedDocument:
    """The first ``max_pages`` pages of the file in ``data``.

    :raises DocumentFormatError: when the file is empty, too large, not an image or PDF, or damaged.
    """
    if not data:
        raise DocumentFormatError("FILE_EMPTY", "the file is empty")
    if len(data) > MAX_BYTES:
        raise DocumentFormatError("FILE_TOO_LARGE", "the file is too large", max_mb=MAX_BYTES // (1024 * 1024))
    if data[:5] == b"%PDF-":
        return _load_pdf(data, max_pages, render_dpi)
    return _load_image(data, max_pages)


def _load_pdf(data: bytes, max_pages: int, render_dpi: int) -> LoadedDocument:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise DocumentFormatError("FILE_DAMAGED", f"the PDF cannot be opened: {exc}", format="PDF") from None
    try:
        total = len(pdf)
        if total == 0:
            raise DocumentFormatError("FILE_EMPTY", "the PDF has no pages", format="PDF")
        pages = []
        for index in range(min(total, max_pages)):
            page = pdf[index]
            width, height = page.get_size()  # points
            scale = render_dpi / 72
            if width * height * scale * scale > MAX_PIXELS:
                scale = (MAX_PIXELS / (width * height)) ** 0.5
            pages.append(page.render(scale=scale).to_pil().convert("RGB"))
            page.close()
    finally:
        pdf.close()
    return LoadedDocument(pages, total, "PDF", [float(render_dpi)] * len(pages))


def _load_image(data: bytes, max_pages: int) -> LoadedDocument:
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError):
        raise DocumentFormatError("FILE_FORMAT_UNSUPPORTED", "the file is neither an image nor a PDF") from None
    if image.format not in IMAGE_FORMATS:
        raise DocumentFormatError(
            "FILE_FORMAT_UNSUPPORTED", f"{image.format} files are not read", format=image.format or "?"
        )
    if image.width * image.height > MAX_PIXELS:
        raise DocumentFormatError("FILE_TOO_LARGE", "the image has too many pixels", max_mb=MAX_BYTES // (1024 * 1024))
    total = getattr(image, "n_frames", 1)
    pages, dpis = [], []
    try:
        for index in range(min(total, max_pages)):
            image.seek(index)
            frame = ImageOps.exif_transpose(image) or image
            pages.append(frame.convert("RGB"))
            dpis.append(float(image.info.get("dpi", (0, 0))[0] or 0))
    except (OSError, ValueError, SyntaxError) as exc:
        raise DocumentFormatError("FILE_DAMAGED", f"the image is damaged: {exc}", format=image.format) from None
    return LoadedDocument(pages, total, image.format, dpis)

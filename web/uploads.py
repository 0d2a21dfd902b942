"""Case materials in and out over HTTP, for the API and the pages alike: the upload size cap, the type
read from a file's first bytes, display names, and the headers a stored file is sent with."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Response, current_app

from connectors.masking import scrub

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# What a file's content starts with -> its media type. The server trusts this, never the browser.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
UNKNOWN_TYPE = "application/octet-stream"
# Types sent as what they are and that a browser may show in the page; anything else is sent as
# application/octet-stream and downloaded. FILE_CSP forbids scripts either way.
INLINE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf")
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def max_upload_bytes() -> int:
    """The size cap of one uploaded file (``SHEBAO_MAX_UPLOAD_BYTES``, default 20 MiB; set by the app)."""
    return int(current_app.config.get("SHEBAO_MAX_UPLOAD_BYTES") or DEFAULT_MAX_BYTES)


def sniff_type(head: bytes) -> str:
    """The media type of a file from its first bytes (``application/octet-stream`` when unknown)."""
    for signature, media_type in SIGNATURES:
        if head.startswith(signature):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return UNKNOWN_TYPE


def clean_name(name: str | None) -> str:
    """A file name for display: no folders, no control characters, personal numbers masked, at most 200 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return str(scrub(base))[:200] or "file"


def file_response(name: str, content_type: str, data: bytes, *, inline: bool = False) -> Response:
    """A stored file as a response: shown in the page only when asked and of a safe type, else
    downloaded; never sniffed, cached or allowed to run scripts."""
    known = content_type in INLINE_TYPES
    show = inline and known
    response = Response(data, mimetype=content_type if known else UNKNOWN_TYPE)
    response.headers["Content-Disposition"] = f"{'inline' if show else 'attachment'}; filename*=UTF-8''{quote(name)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = FILE_CSP
    return response

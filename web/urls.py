"""Where a request may send the browser next: local paths only (no open redirects)."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` when it is a path on this site, else ``default``.

    Refused: absolute and scheme-relative URLs (``//host``), backslashes (browsers read them as
    slashes) and any control character or white space (browsers drop tabs and newlines inside a URL,
    so ``/\\t/host`` would become ``//host``).
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target

"""Blob storage for attachment content: an interface and a local-folder implementation.

Every node of a deployment must see the same store (a shared folder, or another implementation of
:class:`BlobStore`). Content is encrypted before it is stored; keys are random, never derived from
file names.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Protocol

from engine.errors import NotFound


class BlobStore(Protocol):
    """Where attachment content lives."""

    def put(self, data: bytes) -> str:
        """Store ``data``; returns its key."""
        ...

    def get(self, key: str) -> bytes:
        """The data stored under ``key``.

        :raises NotFound: when there is none.
        """
        ...

    def delete(self, key: str) -> None:
        """Remove the data under ``key`` (no error if absent)."""
        ...


class LocalBlobStore:
    """Blobs as files below a folder, written atomically."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if len(key) != 40 or not all(c in "0123456789abcdef" for c in key):
            raise NotFound(f"no blob {key!r}", key=key)
        return self.root / key[:2] / key

    def put(self, data: bytes) -> str:
        key = secrets.token_hex(20)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return key

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise NotFound(f"no blob {key!r}", key=key) from exc

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

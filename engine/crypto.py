"""Encryption of personal data at rest and keyed hashes for lookups.

``SHEBAO_DATA_KEY`` is any secret string of at least 32 characters (``shebao keygen`` prints one);
two independent keys are derived from it with HKDF: one for Fernet encryption (AES-128-CBC with
HMAC-SHA256), one for HMAC-SHA256 lookup hashes. Large texts are compressed before encryption.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import zlib

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from engine.errors import EngineError

_COMPRESSED = b"z"
_PLAIN = b"p"


class DataKeyError(EngineError):
    code = "DATA_KEY_ERROR"


def generate_data_key() -> str:
    """A new random data key."""
    return secrets.token_urlsafe(48)


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"shebao-flow", info=purpose).derive(
        secret.encode("utf-8")
    )


class Cipher:
    """Encrypts and decrypts values with keys derived from the data key."""

    def __init__(self, data_key: str | None) -> None:
        if not data_key or len(data_key) < 32:
            raise DataKeyError(
                "SHEBAO_DATA_KEY must be set to a secret of at least 32 characters "
                "(generate one with 'shebao keygen')"
            )
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(data_key, b"encrypt")))
        self._hash_key = _derive(data_key, b"lookup-hash")

    def encrypt_bytes(self, data: bytes) -> bytes:
        """Encrypt bytes (compressed first when that makes them smaller)."""
        packed = zlib.compress(data, 1)  # fastest level: state is written on every advance
        body = _COMPRESSED + packed if len(packed) < len(data) else _PLAIN + data
        return self._fernet.encrypt(body)

    def decrypt_bytes(self, token: bytes) -> bytes:
        """Decrypt what :meth:`encrypt_bytes` produced.

        :raises DataKeyError: when the token was made with another key or was altered.
        """
        try:
            body = self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise DataKeyError("stored data cannot be decrypted with this SHEBAO_DATA_KEY") from exc
        return zlib.decompress(body[1:]) if body[:1] == _COMPRESSED else body[1:]

    def encrypt_text(self, text: str) -> str:
        """Encrypt text to an ASCII token suitable for a TEXT column."""
        return self.encrypt_bytes(text.encode("utf-8")).decode("ascii")

    def decrypt_text(self, token: str) -> str:
        """Decrypt a token made by :meth:`encrypt_text`."""
        return self.decrypt_bytes(token.encode("ascii")).decode("utf-8")

    def lookup_hash(self, value: str) -> str:
        """A keyed hash of ``value`` for equality lookups without storing the value in clear."""
        return hmac.new(self._hash_key, value.encode("utf-8"), hashlib.sha256).hexdigest()

"""Request signing of the adapter API: HMAC-SHA256 over method, path, timestamp, idempotency key and body.

The string to sign is five lines joined by ``\\n``::

    METHOD            upper case, e.g. POST
    PATH              the request path as sent, percent-encoded, with ``?query`` when there is one
    TIMESTAMP         the X-Timestamp header: integer Unix seconds (real UTC time, not the product clock)
    IDEMPOTENCY_KEY   the Idempotency-Key header, or an empty line when there is none
    BODY_SHA256       lower-case hex SHA-256 of the body bytes (of b"" when there is no body)

The signature is the lower-case hex HMAC-SHA256 of that string under the caller's secret, sent as
``X-Signature`` next to ``X-App-Key``. Callbacks from the bureau are signed the same way with the
callback secret. The timestamp is real time on purpose: freshness is transport security, while
business dates follow the (movable) product clock.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Protocol

HEADER_APP_KEY = "X-App-Key"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_SIGNATURE = "X-Signature"
HEADER_IDEMPOTENCY_KEY = "Idempotency-Key"
HEADER_MESSAGE_ID = "X-Message-Id"
HEADER_REPLAYED = "Idempotent-Replayed"

DEFAULT_MAX_SKEW_SECONDS = 300


class HeaderSource(Protocol):
    """Anything headers can be read from by name (a dict, werkzeug's ``Headers``, requests' headers)."""

    def get(self, key: str, /) -> str | None: ...


class SignatureError(Exception):
    """A request's signature headers are missing, stale or wrong; ``code`` says which."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def string_to_sign(method: str, path: str, timestamp: str, idempotency_key: str | None, body: bytes) -> str:
    """The canonical string the signature covers."""
    return "\n".join(
        (method.upper(), path, str(timestamp), idempotency_key or "", hashlib.sha256(body or b"").hexdigest())
    )


def sign(secret: str, method: str, path: str, timestamp: str, idempotency_key: str | None, body: bytes) -> str:
    """The hex HMAC-SHA256 signature of a request."""
    message = string_to_sign(method, path, timestamp, idempotency_key, body)
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def signed_headers(
    app_key: str,
    secret: str,
    method: str,
    path: str,
    body: bytes,
    idempotency_key: str | None = None,
    now: float | None = None,
) -> dict[str, str]:
    """The headers that authenticate one request (app key, timestamp, signature, idempotency key)."""
    timestamp = str(int(time.time() if now is None else now))
    headers = {
        HEADER_APP_KEY: app_key,
        HEADER_TIMESTAMP: timestamp,
        HEADER_SIGNATURE: sign(secret, method, path, timestamp, idempotency_key, body),
    }
    if idempotency_key:
        headers[HEADER_IDEMPOTENCY_KEY] = idempotency_key
    return headers


def verify(
    secrets_by_app_key: Mapping[str, str],
    method: str,
    path: str,
    headers: HeaderSource,
    body: bytes,
    *,
    now: float | None = None,
    max_skew_seconds: int = DEFAULT_MAX_SKEW_SECONDS,
) -> str:
    """Check a request's signature headers; returns the caller's app key.

    :raises SignatureError: ``SIGNATURE_MISSING``, ``UNKNOWN_APP_KEY``, ``SIGNATURE_EXPIRED`` or
        ``SIGNATURE_INVALID``.
    """
    app_key = headers.get(HEADER_APP_KEY) or ""
    timestamp = headers.get(HEADER_TIMESTAMP) or ""
    signature = headers.get(HEADER_SIGNATURE) or ""
    if not (app_key and timestamp and signature):
        raise SignatureError("SIGNATURE_MISSING", "X-App-Key, X-Timestamp and X-Signature are required")
    secret = secrets_by_app_key.get(app_key)
    if secret is None:
        raise SignatureError("UNKNOWN_APP_KEY", "unknown app key")
    try:
        stamp = int(timestamp)
    except ValueError:
        raise SignatureError("SIGNATURE_INVALID", "X-Timestamp must be integer Unix seconds") from None
    current = time.time() if now is None else now
    if abs(current - stamp) > max_skew_seconds:
        raise SignatureError("SIGNATURE_EXPIRED", f"timestamp is more than {max_skew_seconds} s away from now")
    expected = sign(secret, method, path, timestamp, headers.get(HEADER_IDEMPOTENCY_KEY), body)
    if not hmac.compare_digest(expected, signature.lower()):
        raise SignatureError("SIGNATURE_INVALID", "signature does not match")
    return app_key

"""Password hashing with Argon2id (argon2-cffi), the OWASP-recommended memory-hard function.

Hashes are PHC strings (``$argon2id$v=19$m=65536,t=3,p=4$…``) that carry their own parameters, so
raising the cost later rehashes each password at its owner's next sign-in.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 256

_hasher = PasswordHasher()


class WeakPassword(ValueError):
    """The password does not meet the policy; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_policy(password: str, username: str = "") -> None:
    """Refuse passwords that are too short, too long, or contain the username.

    :raises WeakPassword: ``PASSWORD_TOO_SHORT``, ``PASSWORD_TOO_LONG`` or ``PASSWORD_CONTAINS_USERNAME``.
    """
    if len(password) < MIN_LENGTH:
        raise WeakPassword("PASSWORD_TOO_SHORT", f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword("PASSWORD_TOO_LONG", f"a password has at most {MAX_LENGTH} characters")
    if username and username.lower() in password.lower():
        raise WeakPassword("PASSWORD_CONTAINS_USERNAME", "a password must not contain the username")


def hash_password(password: str) -> str:
    """The Argon2id PHC string of ``password``."""
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; an account without a hash still costs one verification."""
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with weaker parameters than the current ones."""
    return _hasher.check_needs_rehash(stored)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against for unknown users, so that timing does not reveal which names exist."""
    return _hasher.hash("not a password of anyone")

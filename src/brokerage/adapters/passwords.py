"""Password hashing (argon2id) and opaque tokens stored only as digests."""

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

PASSWORD_MIN_CHARS = 8
# A cap keeps one login from making the hasher chew on megabytes (put a limit on everything).
PASSWORD_MAX_CHARS = 1024

# argon2-cffi's defaults are RFC 9106's low-memory profile (argon2id, t=3, 64 MiB, p=4).
# Building the hasher only stores parameters: no I/O happens at import.
_HASHER = PasswordHasher()


def password_problem(password: str) -> str | None:
    """Return why a new password breaks the policy, or None when it is acceptable."""
    if len(password) < PASSWORD_MIN_CHARS:
        return f"a password needs at least {PASSWORD_MIN_CHARS} characters"
    if len(password) > PASSWORD_MAX_CHARS:
        return f"a password may have at most {PASSWORD_MAX_CHARS} characters"
    return None


def hash_password(password: str) -> str:
    """Hash a password with argon2id and a fresh salt (the result embeds its parameters)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Tell whether the password matches the stored hash; a wrong password returns False.

    A stored hash that is not an argon2 hash at all raises InvalidHashError: that is corrupt
    data, not a wrong password, and must not be hidden.
    """
    if len(password) > PASSWORD_MAX_CHARS:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except VerificationError:
        return False


def needs_rehash(password_hash: str) -> bool:
    """Tell whether a hash was made with other parameters than today's (rehash at login)."""
    return _HASHER.check_needs_rehash(password_hash)


def new_token(nbytes: int = 32) -> str:
    """Make a random URL-safe token (session token, API secret) to show the user once."""
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """Return the sha256 hex digest under which a token is stored and looked up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str, digest: str) -> bool:
    """Compare a presented token with a stored digest in constant time."""
    return hmac.compare_digest(token_digest(token), digest)

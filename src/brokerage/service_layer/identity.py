"""Users, log-in sessions and API key pairs. No money moves here, so no partition is needed."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from brokerage.adapters import passwords
from brokerage.adapters.db import tables
from brokerage.adapters.db.store import SqlStore
from brokerage.service_layer.errors import Conflict, Refused, Unauthorized
from brokerage.service_layer.ports import Clock, IdGenerator

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,}$")
SESSION_TTL = timedelta(hours=24)
# Resolved credentials are kept in memory this long (and never past a session's expiry), so a
# request does not read the database to authenticate. Revoking an API key drops it at once.
AUTH_CACHE_TTL = timedelta(seconds=30)
AUTH_CACHE_MAX = 10_000  # entries; the oldest goes first


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user and the account they trade."""

    user_id: str
    account_id: str
    is_admin: bool = False


class Identity:
    def __init__(self, store: SqlStore, clock: Clock, ids: IdGenerator) -> None:
        self._store = store
        self._clock = clock
        self._ids = ids
        self._auth_cache: dict[tuple[str, ...], tuple[Principal, datetime]] = {}

    def sign_up(self, email: str, password: str, account_type: str = "cash") -> dict[str, Any]:
        """Create a user and their first account in one transaction; return both ids."""
        email = email.strip().lower()
        if not EMAIL.match(email):
            raise Refused("INVALID_EMAIL", "that is not a valid email address")
        problem = passwords.password_problem(password)
        if problem is not None:
            raise Refused("WEAK_PASSWORD", problem)
        if account_type not in ("cash", "margin"):
            raise Refused("INVALID_ACCOUNT_TYPE", "account_type must be cash or margin")
        now = self._clock.now()
        user_id, account_id = self._ids(), self._ids()
        number = "BRK" + account_id.replace("-", "")[:9].upper()
        try:
            with self._store.engine.begin() as conn:
                conn.execute(insert(tables.users).values(
                    id=user_id, email=email, password_hash=passwords.hash_password(password),
                    is_admin=False, created_at=now))
                conn.execute(insert(tables.accounts).values(
                    id=account_id, user_id=user_id, account_number=number,
                    account_type=account_type, status="active", created_at=now, updated_at=now))
        except IntegrityError as exc:
            raise Conflict("EMAIL_TAKEN", "an account with that email already exists") from exc
        return {"user_id": user_id, "account_id": account_id, "account_number": number,
                "account_type": account_type}

    def log_in(self, email: str, password: str) -> dict[str, Any]:
        """Check the password and open a session; return its bearer token (shown once)."""
        with self._store.read() as conn:
            row = conn.execute(
                select(tables.users).where(tables.users.c.email == email.strip().lower())
            ).first()
        if row is None or not passwords.verify_password(row.password_hash, password):
            raise Unauthorized("INVALID_CREDENTIALS", "email or password is wrong")
        token = passwords.new_token()
        now = self._clock.now()
        expires = now + SESSION_TTL
        with self._store.engine.begin() as conn:
            conn.execute(insert(tables.sessions).values(
                token_digest=passwords.token_digest(token), user_id=row.id,
                created_at=now, expires_at=expires))
        return {"token": token, "token_type": "bearer", "expires_at": expires.isoformat()}

    def create_api_key(self, user_id: str, label: str = "") -> dict[str, Any]:
        """Make a key pair; the secret is shown once and stored only as a digest."""
        key_id = "PK" + passwords.new_token(15).replace("-", "A").replace("_", "B")[:18].upper()
        secret = passwords.new_token(30)
        now = self._clock.now()
        with self._store.engine.begin() as conn:
            conn.execute(insert(tables.api_keys).values(
                key_id=key_id, secret_digest=passwords.token_digest(secret), user_id=user_id,
                label=label[:100], created_at=now))
        return {"key_id": key_id, "secret_key": secret, "label": label,
                "created_at": now.isoformat()}

    def list_api_keys(self, user_id: str) -> list[dict[str, Any]]:
        with self._store.read() as conn:
            rows = conn.execute(select(tables.api_keys).where(
                tables.api_keys.c.user_id == user_id, tables.api_keys.c.revoked_at.is_(None)))
            return [{"key_id": r.key_id, "label": r.label, "created_at": r.created_at.isoformat()}
                    for r in rows]

    def revoke_api_key(self, user_id: str, key_id: str) -> bool:
        with self._store.engine.begin() as conn:
            result = conn.execute(update(tables.api_keys).where(
                tables.api_keys.c.key_id == key_id, tables.api_keys.c.user_id == user_id,
                tables.api_keys.c.revoked_at.is_(None)).values(revoked_at=self._clock.now()))
        self._forget_api_key(key_id)  # after the commit: no request can cache it again
        return result.rowcount == 1

    def by_token(self, token: str) -> Principal:
        """Resolve a bearer token to its user and account."""
        digest = passwords.token_digest(token)
        cached = self._cached(("token", digest))
        if cached is not None:
            return cached
        with self._store.read() as conn:
            row = conn.execute(select(tables.sessions).where(
                tables.sessions.c.token_digest == digest)).first()
        now = self._clock.now()
        if row is None or row.expires_at <= now:
            raise Unauthorized("UNAUTHORIZED", "the token is missing, wrong or expired")
        principal = self._principal(row.user_id)
        self._remember(("token", digest), principal, min(row.expires_at, now + AUTH_CACHE_TTL))
        return principal

    def by_api_key(self, key_id: str, secret: str) -> Principal:
        """Resolve an API key pair to its user and account."""
        key = ("api_key", key_id, passwords.token_digest(secret))
        cached = self._cached(key)
        if cached is not None:
            return cached
        with self._store.read() as conn:
            row = conn.execute(select(tables.api_keys).where(
                tables.api_keys.c.key_id == key_id, tables.api_keys.c.revoked_at.is_(None))).first()
        if row is None or not passwords.token_matches(secret, row.secret_digest):
            raise Unauthorized("UNAUTHORIZED", "the API key or secret is wrong")
        principal = self._principal(row.user_id)
        self._remember(key, principal, self._clock.now() + AUTH_CACHE_TTL)
        return principal

    def _cached(self, key: tuple[str, ...]) -> Principal | None:
        entry = self._auth_cache.get(key)
        if entry is None:
            return None
        if entry[1] <= self._clock.now():
            self._auth_cache.pop(key, None)
            return None
        return entry[0]

    def _remember(self, key: tuple[str, ...], principal: Principal, until: datetime) -> None:
        cache = self._auth_cache
        while len(cache) >= AUTH_CACHE_MAX:
            try:
                cache.pop(next(iter(cache)), None)
            except (RuntimeError, StopIteration):  # changed by another thread meanwhile
                break
        cache[key] = (principal, until)

    def _forget_api_key(self, key_id: str) -> None:
        for key in [k for k in list(self._auth_cache) if k[:2] == ("api_key", key_id)]:
            self._auth_cache.pop(key, None)

    def user_by_email(self, email: str) -> str | None:
        with self._store.read() as conn:
            row = conn.execute(select(tables.users.c.id).where(
                tables.users.c.email == email.strip().lower())).first()
        return None if row is None else row.id

    def principal_of(self, user_id: str) -> Principal:
        """Return the principal (user and trading account) of a known user id."""
        return self._principal(user_id)

    def _principal(self, user_id: str) -> Principal:
        with self._store.read() as conn:
            user = conn.execute(select(tables.users).where(tables.users.c.id == user_id)).one()
            account = conn.execute(select(tables.accounts.c.id).where(
                tables.accounts.c.user_id == user_id).order_by(
                tables.accounts.c.created_at)).first()
        if account is None:
            raise Unauthorized("UNAUTHORIZED", "this user has no account")
        return Principal(user_id=user_id, account_id=account.id, is_admin=bool(user.is_admin))

"""Passwords, JSON Web Tokens, roles and permissions.

Hashing is CPU- and memory-heavy (argon2), so it runs in worker threads, and a limiter
bounds how many hashes run at once: each takes ARGON2_MEMORY_COST_KIB of memory.
"""

import ctypes
import hashlib
import os
import secrets
import sys
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any, Literal, TypeVar

import anyio
import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.core.config import Settings

TokenType = Literal["access", "refresh"]
_T = TypeVar("_T")


class Role(StrEnum):
    """A user's role; what it may do is in ROLE_PERMISSIONS."""

    ADMIN = "admin"
    USER = "user"


class Permission(StrEnum):
    """One thing a user may do."""

    USERS_MANAGE = "users:manage"


# The one place that maps roles to what they may do.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # Users own rows of every resource that has owners: each one's `<plural>:own`.
    Role.USER: frozenset(p for p in Permission if p.endswith(":own")),
    Role.ADMIN: frozenset(Permission),
}


def normalise_email(email: str) -> str:
    """Return the form an email is stored and looked up in: trimmed and lower-cased.

    So `A@x.io` and `a@x.io` are one account, and one key of the login throttle.
    """
    return email.strip().lower()


def has_permission(role: Role | str, permission: Permission) -> bool:
    """Tell whether `role` grants `permission`; unknown roles grant nothing."""
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False


# ---------------------------------------------------------------- passwords


# glibc's mallopt() parameter, and the size from which allocations get pages of their own.
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_BYTES = 1 << 20


@lru_cache(maxsize=1)
def map_large_allocations() -> bool:
    """Have glibc give every block of 1 MiB or more back to the OS as soon as it is freed.

    Each argon2 hash mallocs its memory cost (19 MiB by default). glibc serves blocks below a
    threshold that grows up to 32 MiB from per-thread arenas and keeps them once freed, so
    every thread of the pool that ever hashed would hold its own 19 MiB: hundreds of MiB
    under a login storm. A fixed threshold maps such blocks and unmaps them on free.
    Returns whether it applied (only with glibc, i.e. on Linux but Alpine).
    """
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None) if sys.platform == "linux" else None
    return bool(mallopt is not None and mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES))


class PasswordHasher:
    """Hashes and verifies passwords with argon2, off the event loop and bounded."""

    def __init__(self, time_cost: int, memory_cost_kib: int, concurrency: int) -> None:
        """Hash with these argon2 costs, at most `concurrency` (0: one per CPU) at once."""
        map_large_allocations()
        self._hash = PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost_kib),))
        self._limiter = anyio.CapacityLimiter(concurrency or os.cpu_count() or 1)
        self._dummy_hash: str | None = None
        # Entered around each hash and verification: app/core/metrics.py counts them with it.
        self.in_flight: Callable[[], AbstractContextManager[object]] = nullcontext

    @classmethod
    def from_settings(cls, settings: Settings) -> "PasswordHasher":
        """The process-wide hasher for `settings` (the limiter must be shared to bound)."""
        return _shared_hasher(
            settings.ARGON2_TIME_COST,
            settings.ARGON2_MEMORY_COST_KIB,
            settings.PASSWORD_HASH_CONCURRENCY,
        )

    async def hash(self, password: str) -> str:
        """Return the argon2 hash of `password`."""
        return await self._in_thread(self._hash.hash, password)

    async def verify(self, password: str, hashed: str | None) -> bool:
        """Check `password` against `hashed`; with no hash, spend the same time and fail.

        Verifying against a throwaway hash when an account does not exist makes a login
        take as long for an unknown email as for a wrong password.
        """
        if hashed is None:
            if self._dummy_hash is None:
                self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
            await self._in_thread(self._hash.verify, password, self._dummy_hash)
            return False
        return await self._in_thread(self._hash.verify, password, hashed)

    async def _in_thread(self, function: Callable[..., _T], *args: str) -> _T:
        with self.in_flight():
            return await anyio.to_thread.run_sync(function, *args, limiter=self._limiter)


@lru_cache
def _shared_hasher(time_cost: int, memory_cost_kib: int, concurrency: int) -> PasswordHasher:
    return PasswordHasher(time_cost, memory_cost_kib, concurrency)


# ---------------------------------------------------------------- tokens


class InvalidTokenError(Exception):
    """A token is malformed, forged, expired, of the wrong type or for someone else."""


# Every token names its user (`sub`), its session (`sid`) and the user's token version
# (`ver`), besides the registered claims; the issuer and audience are checked on decode.
REQUIRED_CLAIMS = ("sub", "sid", "ver", "type", "jti", "iat", "exp", "iss", "aud")


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """The claims this app puts into and reads out of its tokens."""

    user_id: int
    session_id: int
    token_version: int
    token_type: TokenType
    jti: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """An encoded token with the claims it carries."""

    token: str
    claims: TokenClaims


def _integer(value: object) -> int:
    # JSON numbers this app wrote; `bool` is an `int` to Python, never to this app.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidTokenError("a claim that holds an id is not an integer")
    return value


# How many verified tokens a codec remembers (a few hundred bytes each).
VERIFIED_TOKENS_KEPT = 4096


class TokenCodec:
    """Encodes and decodes the app's JWTs with one pinned algorithm, issuer and audience.

    It remembers the claims of the last tokens it verified, keyed by the whole token: the
    same bytes always verify the same way, so only the expiry is checked again. Whether
    the session and user still hold is the caller's query, on every request.
    """

    def __init__(self, settings: Settings) -> None:
        """Take the key, algorithm, issuer, audience and lifetimes from `settings`."""
        self._verified: dict[str, TokenClaims] = {}
        self._key = settings.SECRET_KEY.get_secret_value()
        self._algorithm = settings.JWT_ALGORITHM
        self._issuer = settings.JWT_ISSUER
        self._audience = settings.JWT_AUDIENCE
        self._lifetimes: dict[TokenType, timedelta] = {
            "access": timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES),
            "refresh": timedelta(days=settings.REFRESH_TOKEN_EXPIRE_DAYS),
        }

    @classmethod
    def from_settings(cls, settings: Settings) -> "TokenCodec":
        """The process-wide codec for `settings`, so its memory of tokens is shared."""
        return _shared_codec(settings)

    def lifetime(self, token_type: TokenType) -> timedelta:
        """How long a token of `token_type` is valid."""
        return self._lifetimes[token_type]

    def issue(
        self,
        token_type: TokenType,
        *,
        user_id: int,
        session_id: int,
        token_version: int,
        now: datetime | None = None,
    ) -> IssuedToken:
        """Create a signed token of `token_type` for one session of one user."""
        issued_at = (now or datetime.now(UTC)).replace(microsecond=0)
        claims = TokenClaims(
            user_id=user_id,
            session_id=session_id,
            token_version=token_version,
            token_type=token_type,
            jti=uuid.uuid4().hex,
            issued_at=issued_at,
            expires_at=issued_at + self._lifetimes[token_type],
        )
        payload: dict[str, Any] = {
            "sub": str(claims.user_id),
            "sid": claims.session_id,
            "ver": claims.token_version,
            "type": claims.token_type,
            "jti": claims.jti,
            "iat": claims.issued_at,
            "exp": claims.expires_at,
            "iss": self._issuer,
            "aud": self._audience,
        }
        return IssuedToken(jwt.encode(payload, self._key, algorithm=self._algorithm), claims)

    def decode(
        self, token: str, expected_type: TokenType, now: datetime | None = None
    ) -> TokenClaims:
        """Verify `token` and return its claims; raise InvalidTokenError otherwise.

        Only the configured algorithm is accepted (so neither `none` nor another HMAC),
        and the signature, expiry, issuer, audience and type must all match. `now` (default:
        the clock) is when a token verified before must not have expired yet.
        """
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            if len(self._verified) >= VERIFIED_TOKENS_KEPT:
                del self._verified[next(iter(self._verified))]  # the oldest
            self._verified[token] = claims
        elif (now or datetime.now(UTC)) >= claims.expires_at:
            raise InvalidTokenError("Signature has expired")
        if claims.token_type != expected_type:
            raise InvalidTokenError(f"expected a {expected_type} token")
        return claims

    def _verify(self, token: str) -> TokenClaims:
        try:
            payload = jwt.decode(
                token,
                self._key,
                algorithms=[self._algorithm],
                issuer=self._issuer,
                audience=self._audience,
                options={"require": list(REQUIRED_CLAIMS)},
            )
            user_id = int(payload["sub"])
        except (jwt.PyJWTError, ValueError) as exc:
            raise InvalidTokenError(str(exc)) from exc
        if payload["type"] not in ("access", "refresh"):
            raise InvalidTokenError("unknown token type")
        return TokenClaims(
            user_id=user_id,
            session_id=_integer(payload["sid"]),
            token_version=_integer(payload["ver"]),
            token_type=payload["type"],
            jti=str(payload["jti"]),
            issued_at=datetime.fromtimestamp(payload["iat"], UTC),
            expires_at=datetime.fromtimestamp(payload["exp"], UTC),
        )


_codecs: dict[tuple[object, ...], TokenCodec] = {}


def _shared_codec(settings: Settings) -> TokenCodec:
    # Keyed by what the codec takes from the settings, not by the (unhashable) settings.
    key = (
        settings.SECRET_KEY.get_secret_value(),
        settings.JWT_ALGORITHM,
        settings.JWT_ISSUER,
        settings.JWT_AUDIENCE,
        settings.ACCESS_TOKEN_EXPIRE_MINUTES,
        settings.REFRESH_TOKEN_EXPIRE_DAYS,
    )
    codec = _codecs.get(key)
    if codec is None:
        if len(_codecs) >= 8:  # settings change in tests, rarely in a process
            _codecs.clear()
        codec = _codecs[key] = TokenCodec(settings)
    return codec


def fingerprint(secret: str) -> str:
    """Return the SHA-256 hex digest under which a refresh token (or an email) is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()

"""Password checks behind a throttle: repeated failures lock an email for a while."""

import math
from dataclasses import dataclass
from datetime import timedelta

from app.core.config import Settings
from app.core.errors import TooManyAttemptsError
from app.core.security import PasswordHasher, fingerprint
from app.models.user import User
from app.repositories.unit_of_work import UnitOfWork
from app.utils.time import utcnow

LOCKED_OUT = "Too many failed attempts for this account; try again later."


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """How many failures within a window lock an email, for how long; the longest password."""

    max_failures: int
    failure_window: timedelta
    lockout: timedelta
    max_password_length: int

    @classmethod
    def from_settings(cls, settings: Settings) -> "LoginPolicy":
        """The policy the LOGIN_* and PASSWORD_MAX_LENGTH settings describe."""
        return cls(
            max_failures=settings.LOGIN_MAX_FAILURES,
            failure_window=timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES),
            lockout=timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES),
            max_password_length=settings.PASSWORD_MAX_LENGTH,
        )


class PasswordGuard:
    """Verifies passwords, counting failures per email in the database.

    The count is keyed by the hash of the normalised email, whether an account has it or
    not, so a lockout tells nothing about which emails exist; and it lives in the
    database, so every worker process and replica shares it.
    """

    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, policy: LoginPolicy) -> None:
        """Use `uow` for the counts, `hasher` for passwords, and `policy` for the limits."""
        self.uow = uow
        self.hasher = hasher
        self.policy = policy

    async def verify(self, email: str, password: str, user: User | None) -> User | None:
        """Return `user` if `password` is theirs and they are active; None otherwise.

        `email` is the normalised email tried, and `user` its account, if any. Raises
        TooManyAttemptsError while the email is locked, without hashing anything. A failure
        counts against the email and may lock it; a success clears its count. A password
        longer than the policy allows fails without being hashed: it cannot be right, and
        hashing it would only burn CPU. Without an account a throwaway hash is verified, so
        an unknown email takes as long as a wrong password.
        """
        key = fingerprint(email)
        now = utcnow()
        async with self.uow.read():
            throttle = await self.uow.login_throttles.get_by_key(key)
        if throttle is not None and throttle.locked_until is not None:
            wait = (throttle.locked_until - now).total_seconds()
            if wait > 0:
                raise TooManyAttemptsError(LOCKED_OUT, retry_after=math.ceil(wait))
        stored_hash = user.hashed_password if user is not None else None
        verified = len(password) <= self.policy.max_password_length and await self.hasher.verify(
            password, stored_hash
        )
        if verified and user is not None and user.is_active:
            if throttle is not None:
                async with self.uow:
                    await self.uow.login_throttles.clear(key)
                    await self.uow.commit()
            return user
        async with self.uow:
            window_start = now - self.policy.failure_window
            failures = await self.uow.login_throttles.record_failure(key, now, window_start)
            if failures >= self.policy.max_failures:
                await self.uow.login_throttles.lock(key, now + self.policy.lockout)
            await self.uow.commit()
        return None

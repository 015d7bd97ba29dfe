"""Deleting what no longer matters: ended sessions, stale login counts, spent account tokens,
old mails.

The background jobs run `purge` every hour (app/jobs).
"""

from dataclasses import dataclass
from datetime import timedelta

from app.core.config import Settings
from app.repositories.unit_of_work import UnitOfWork
from app.utils.time import utcnow


@dataclass(frozen=True, slots=True)
class Retention:
    """How long what is kept for a while is kept."""

    # A failed-login count matters for its window (and any lockout it set).
    login_failure_window: timedelta
    # Sent and given-up mails stay for the record.
    mails: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> "Retention":
        """The retention LOGIN_FAILURE_WINDOW_MINUTES and MAIL_KEEP_DAYS describe."""
        return cls(
            login_failure_window=timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES),
            mails=timedelta(days=settings.MAIL_KEEP_DAYS),
        )


@dataclass(frozen=True, slots=True)
class Purged:
    """How many rows of each kind one purge deleted."""

    sessions: int
    login_throttles: int
    account_tokens: int
    mails: int


class HousekeepingService:
    """Deletes the rows that can no longer matter, in one transaction."""

    def __init__(self, uow: UnitOfWork, retention: Retention) -> None:
        """Use `uow` for storage and keep rows as long as `retention` says."""
        self.uow = uow
        self.retention = retention

    async def purge(self) -> Purged:
        """Delete ended sessions, stale failed-login counts, used or expired account tokens
        and old mails; say how many."""
        now = utcnow()
        async with self.uow:
            purged = Purged(
                sessions=await self.uow.auth_sessions.purge_ended(now),
                login_throttles=await self.uow.login_throttles.purge_stale(
                    now - self.retention.login_failure_window, now
                ),
                account_tokens=await self.uow.account_tokens.purge(now),
                mails=await self.uow.mails.purge(now - self.retention.mails),
            )
            await self.uow.commit()
        return purged

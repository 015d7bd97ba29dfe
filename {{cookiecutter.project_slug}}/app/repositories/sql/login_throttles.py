"""Failed-login counts on SQLAlchemy."""

from datetime import datetime

from sqlalchemy import CursorResult, case, delete, literal, or_, select, update
from sqlalchemy.dialects.{{ cookiecutter.database }} import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models.login_throttle import LoginThrottle
from app.models.mixins import UTCDateTime


class SqlLoginThrottleRepository:
    """The LoginThrottleRepository on an AsyncSession."""

    def __init__(self, session: AsyncSession) -> None:
        """Work inside `session`; the unit of work commits it."""
        self._session = session

    async def get_by_key(self, key_hash: str) -> LoginThrottle | None:
        """Return the throttle of `key_hash`, if it has one."""
        result = await self._session.execute(
            select(LoginThrottle).where(col(LoginThrottle.key_hash) == key_hash)
        )
        return result.scalar_one_or_none()

    async def record_failure(self, key_hash: str, now: datetime, window_start: datetime) -> int:
        """Count one failure in one atomic upsert; return the failures in the window.

        `failures = failures + 1` is computed by the database, never read and written back,
        so concurrent failures on other connections, workers or replicas all count.
        """
        stamp = literal(now, UTCDateTime())
        expired = col(LoginThrottle.window_started_at) < literal(window_start, UTCDateTime())
        statement = (
            insert(LoginThrottle)
            .values(key_hash=key_hash, failures=1, window_started_at=stamp)
            .on_conflict_do_update(
                index_elements=[col(LoginThrottle.key_hash)],
                set_={
                    "failures": case((expired, 1), else_=col(LoginThrottle.failures) + 1),
                    "window_started_at": case(
                        (expired, stamp), else_=col(LoginThrottle.window_started_at)
                    ),
                },
            )
            .returning(col(LoginThrottle.failures))
        )
        failures = await self._session.scalar(statement)
        return failures or 0

    async def lock(self, key_hash: str, until: datetime) -> None:
        """Lock `key_hash` until `until`, and start its count again."""
        await self._session.execute(
            update(LoginThrottle)
            .where(col(LoginThrottle.key_hash) == key_hash)
            .values(locked_until=until, failures=0)
            .execution_options(synchronize_session=False)
        )

    async def clear(self, key_hash: str) -> None:
        """Forget every failure and lockout of `key_hash`."""
        await self._session.execute(
            delete(LoginThrottle)
            .where(col(LoginThrottle.key_hash) == key_hash)
            .execution_options(synchronize_session=False)
        )

    async def purge_stale(self, window_start: datetime, now: datetime) -> int:
        """Delete the counts whose window began before `window_start` and that lock nothing
        at `now`; return how many."""
        unlocked = or_(
            col(LoginThrottle.locked_until).is_(None),
            col(LoginThrottle.locked_until) <= literal(now, UTCDateTime()),
        )
        result: CursorResult[tuple[()]] = await self._session.execute(  # type: ignore[assignment]
            delete(LoginThrottle)
            .where(
                col(LoginThrottle.window_started_at) < literal(window_start, UTCDateTime()),
                unlocked,
            )
            .execution_options(synchronize_session=False)
        )
        return result.rowcount

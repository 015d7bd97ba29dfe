"""Sessions on SQLAlchemy."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, CursorResult, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models.auth_session import AuthSession


class SqlAuthSessionRepository:
    """The AuthSessionRepository on an AsyncSession."""

    def __init__(self, session: AsyncSession) -> None:
        """Work inside `session`; the unit of work commits it."""
        self._session = session

    async def get(self, session_id: int) -> AuthSession | None:
        """Return the session with `session_id`, if any."""
        return await self._session.get(AuthSession, session_id)

    async def add(self, auth_session: AuthSession) -> AuthSession:
        """Store a new session and give it an id."""
        self._session.add(auth_session)
        await self._session.flush()
        return auth_session

    async def list_active(
        self, user_id: int, now: datetime, *, offset: int, limit: int
    ) -> tuple[Sequence[AuthSession], int]:
        """Return one page of a user's live sessions, oldest first, and the total."""
        live = (
            col(AuthSession.user_id) == user_id,
            col(AuthSession.revoked_at).is_(None),
            col(AuthSession.expires_at) > now,
        )
        total = await self._session.scalar(
            select(func.count()).select_from(AuthSession).where(*live)
        )
        result = await self._session.execute(
            select(AuthSession)
            .where(*live)
            .order_by(col(AuthSession.id))
            .offset(offset)
            .limit(limit)
        )
        return result.scalars().all(), total or 0

    async def rotate(
        self, session_id: int, old_hash: str, new_hash: str, now: datetime, expires_at: datetime
    ) -> bool:
        """Swap the refresh-token hash of a live session, atomically; tell whether this did."""
        return await self._update(
            session_id,
            col(AuthSession.refresh_token_hash) == old_hash,
            refresh_token_hash=new_hash,
            last_used_at=now,
            expires_at=expires_at,
        )

    async def revoke(self, session_id: int, now: datetime) -> bool:
        """Revoke one session unless already revoked, atomically; tell whether this did."""
        return await self._update(session_id, revoked_at=now)

    async def revoke_all_for_user(self, user_id: int, now: datetime) -> None:
        """Revoke every live session of one user."""
        await self._session.execute(
            update(AuthSession)
            .where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )

    async def purge_ended(self, now: datetime) -> int:
        """Delete the sessions that expired or were revoked before `now`; return how many."""
        result: CursorResult[tuple[()]] = await self._session.execute(  # type: ignore[assignment]
            delete(AuthSession)
            .where(or_(col(AuthSession.expires_at) < now, col(AuthSession.revoked_at) < now))
            .execution_options(synchronize_session=False)
        )
        return result.rowcount

    async def _update(
        self, session_id: int, *conditions: ColumnElement[bool], **values: object
    ) -> bool:
        # One conditional UPDATE: the database decides races that a read cannot.
        result: CursorResult[tuple[()]] = await self._session.execute(  # type: ignore[assignment]
            update(AuthSession)
            .where(
                col(AuthSession.id) == session_id,
                col(AuthSession.revoked_at).is_(None),
                *conditions,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

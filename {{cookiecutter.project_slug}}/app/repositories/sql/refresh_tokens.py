"""Refresh-token hashes on SQLAlchemy."""

from datetime import datetime

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import RefreshToken


class SqlRefreshTokenRepository:
    """The RefreshTokenRepository on an AsyncSession."""

    def __init__(self, session: AsyncSession) -> None:
        """Work inside `session`; the unit of work commits it."""
        self._session = session

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        """Return the stored token whose hash is `token_hash`, if any."""
        result = await self._session.execute(
            select(RefreshToken).where(col(RefreshToken.token_hash) == token_hash)
        )
        return result.scalar_one_or_none()

    async def add(self, token: RefreshToken) -> RefreshToken:
        """Store a newly issued token."""
        self._session.add(token)
        await self._session.flush()
        return token

    async def revoke(self, token_id: int, now: datetime) -> bool:
        """Revoke one token unless already revoked, atomically; tell whether this call did."""
        result: CursorResult[tuple[()]] = await self._session.execute(  # type: ignore[assignment]
            update(RefreshToken)
            .where(col(RefreshToken.id) == token_id, col(RefreshToken.revoked_at).is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    async def revoke_all_for_user(self, user_id: int, now: datetime) -> None:
        """Revoke every live token of one user."""
        await self._session.execute(
            update(RefreshToken)
            .where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )

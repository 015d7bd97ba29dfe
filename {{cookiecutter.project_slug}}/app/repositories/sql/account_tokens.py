"""Single-use account tokens on SQLAlchemy."""

from datetime import datetime

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models.account_token import AccountToken, TokenPurpose


class SqlAccountTokenRepository:
    """The AccountTokenRepository on an AsyncSession."""

    def __init__(self, session: AsyncSession) -> None:
        """Work inside `session`; the unit of work commits it."""
        self._session = session

    async def add(self, token: AccountToken) -> AccountToken:
        """Store a new token and give it an id."""
        self._session.add(token)
        await self._session.flush()
        return token

    async def get_by_hash(self, token_hash: str) -> AccountToken | None:
        """Return the token whose value hashes to `token_hash`, if any."""
        result = await self._session.scalars(
            select(AccountToken).where(col(AccountToken.token_hash) == token_hash)
        )
        return result.one_or_none()

    async def use(self, token_id: int, now: datetime) -> bool:
        """Mark an unused token used at `now`; False if it was used already."""
        result: CursorResult[tuple[()]] = await self._session.execute(  # type: ignore[assignment]
            update(AccountToken)
            .where(col(AccountToken.id) == token_id, col(AccountToken.used_at).is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    async def supersede(self, user_id: int, purpose: TokenPurpose, now: datetime) -> None:
        """Mark every unused token of `user_id` for `purpose` used."""
        await self._session.execute(
            update(AccountToken)
            .where(
                col(AccountToken.user_id) == user_id,
                col(AccountToken.purpose) == purpose,
                col(AccountToken.used_at).is_(None),
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )

    async def purge(self, now: datetime) -> int:
        """Delete the tokens used or expired before `now`; return how many."""
        result: CursorResult[tuple[()]] = await self._session.execute(  # type: ignore[assignment]
            delete(AccountToken)
            .where(or_(col(AccountToken.used_at) < now, col(AccountToken.expires_at) < now))
            .execution_options(synchronize_session=False)
        )
        return result.rowcount

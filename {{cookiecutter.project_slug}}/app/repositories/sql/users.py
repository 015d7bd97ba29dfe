"""Users on SQLAlchemy."""

from datetime import datetime

from sqlalchemy import bindparam, func, inspect, select
from sqlmodel import col

from app.core.security import Role
from app.models.auth_session import AuthSession
from app.models.mixins import UTCDateTime
from app.models.user import User
from app.repositories.sql.base import SqlRepository
from app.repositories.sql.flush import flush_or_conflict
from app.repositories.sql.reads import ReadOne
from app.schemas.user import UserRead

# Built once: every authenticated request runs it, with new parameters. It runs on the
# driver, as the reads of reads.py do; the User it gives belongs to no session, and its
# callers only read its values.
_SIGNED_IN = ReadOne(
    User,
    select(*inspect(User).local_table.c)
    .join(AuthSession, col(AuthSession.user_id) == col(User.id))
    .where(
        col(User.id) == bindparam("user_id"),
        col(User.is_active).is_(True),
        col(User.token_version) == bindparam("token_version"),
        col(AuthSession.id) == bindparam("session_id"),
        col(AuthSession.revoked_at).is_(None),
        col(AuthSession.expires_at) > bindparam("now", type_=UTCDateTime()),
    ),
)


class SqlUserRepository(SqlRepository[User, UserRead]):
    """The UserRepository on an AsyncSession."""

    model = User
    read_schema = UserRead

    async def get_by_email(self, email: str) -> User | None:
        """Return the user whose email is `email`, if any."""
        result = await self._session.execute(select(User).where(col(User.email) == email))
        return result.scalar_one_or_none()

    async def get_signed_in(
        self, user_id: int, session_id: int, token_version: int, now: datetime
    ) -> User | None:
        """Return the user an access token names, joined with its live session: one query."""
        return await _SIGNED_IN.fetch(
            await self._connection(),
            user_id=user_id,
            token_version=token_version,
            session_id=session_id,
            now=now,
        )

    async def count_active_admins(self) -> int:
        """Count the active admins."""
        query = (
            select(func.count())
            .select_from(User)
            .where(col(User.role) == Role.ADMIN, col(User.is_active).is_(True))
        )
        return await self._session.scalar(query) or 0

    async def add(self, user: User) -> User:
        """Store a new user and give it an id."""
        self._session.add(user)
        await flush_or_conflict(self._session, "a user with this email already exists")
        return user

"""The unit of work on SQLAlchemy: one session, one transaction."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Self

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

{% if cookiecutter.auth == "jwt" -%}
from app.repositories.sql.auth_sessions import SqlAuthSessionRepository
{% endif -%}
from app.repositories.sql.database import read_session_factory
from app.repositories.sql.flush import flush_or_conflict
{%- if cookiecutter.include_example_resource == "yes" %}
from app.repositories.sql.items import SqlItemRepository
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
from app.repositories.sql.login_throttles import SqlLoginThrottleRepository
from app.repositories.sql.users import SqlUserRepository
{%- endif %}


class SqlUnitOfWork:
    """Opens a session on entry, {% if cookiecutter.auth == "jwt" or cookiecutter.include_example_resource == "yes" %}hands its repositories out, {% endif %}rolls back on exit.

    Each `async with` block is one transaction; a service commits it explicitly. Each
    `async with uow.read()` block reads without a transaction and cannot write.
    """
{%- if cookiecutter.auth == "jwt" or cookiecutter.include_example_resource == "yes" %}
{% if cookiecutter.auth == "jwt" %}
    users: SqlUserRepository
{%- endif %}
{%- if cookiecutter.include_example_resource == "yes" %}
    items: SqlItemRepository
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
    auth_sessions: SqlAuthSessionRepository
    login_throttles: SqlLoginThrottleRepository
{%- endif %}
{%- endif %}

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        """Make sessions from `session_factory`."""
        self._session_factory = session_factory
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        """Open a session{% if cookiecutter.auth == "jwt" or cookiecutter.include_example_resource == "yes" %} and its repositories{% endif %}; its transaction begins with the first query."""
        return self._open(self._session_factory())

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Self]:
        """Open a session that autocommits each query and refuses to write; close it after."""
        self._open(read_session_factory(self._session_factory)())
        try:
            yield self
        finally:
            await self._close()

    def _open(self, session: AsyncSession) -> Self:
        if self._session is not None:
            raise RuntimeError("the unit of work is already open")
        self._session = session
{%- if cookiecutter.auth == "jwt" %}
        self.users = SqlUserRepository(session)
{%- endif %}
{%- if cookiecutter.include_example_resource == "yes" %}
        self.items = SqlItemRepository(session)
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
        self.auth_sessions = SqlAuthSessionRepository(session)
        self.login_throttles = SqlLoginThrottleRepository(session)
{%- endif %}
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the session, which rolls back whatever was not committed.

        Closing (not `rollback()`) keeps the loaded values of the objects handed out,
        so callers can read them after the block.
        """
        await self._close()

    async def _close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    @property
    def session(self) -> AsyncSession:
        """The open session; only valid inside `async with`."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use `async with uow:`")
        return self._session

    async def commit(self) -> None:
        """Commit; a unique-key clash becomes a ConflictError."""
        await flush_or_conflict(self.session, "the change conflicts with existing data")
        await self.session.commit()

    async def ping(self) -> bool:
        """Run `SELECT 1`; False when the database does not answer."""
        try:
            async with self._session_factory() as session:
                await session.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError):
            return False
        return True

"""The unit of work on SQLAlchemy: one session, one transaction."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, nullcontext
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, overload

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

{% if cookiecutter.auth == "jwt" -%}
from app.repositories.sql.account_tokens import SqlAccountTokenRepository
from app.repositories.sql.auth_sessions import SqlAuthSessionRepository
{% endif -%}
from app.repositories.sql.database import ConnectionQueue, read_engine, read_session
from app.repositories.sql.flush import flush_or_conflict
{%- if cookiecutter.auth == "jwt" %}
from app.repositories.sql.login_throttles import SqlLoginThrottleRepository
from app.repositories.sql.mails import SqlMailOutboxRepository
from app.repositories.sql.users import SqlUserRepository
{%- endif %}

Repo = TypeVar("Repo")


class _Repository(Generic[Repo]):
    """A repository of the unit of work, built on its open session the first time it is used."""

    def __init__(self, build: Callable[[AsyncSession], Repo]) -> None:
        """Build the repository with `build(session)`."""
        self._build = build
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, uow: None, owner: type) -> Self: ...

    @overload
    def __get__(self, uow: "SqlUnitOfWork", owner: type) -> Repo: ...

    def __get__(self, uow: "SqlUnitOfWork | None", owner: type) -> "Repo | Self":
        if uow is None:
            return self
        built: dict[str, Any] = uow.repositories
        if self._name not in built:
            built[self._name] = self._build(uow.session)
        found: Repo = built[self._name]
        return found


def repository(build: Callable[[AsyncSession], Repo]) -> _Repository[Repo]:
    """Declare a repository of SqlUnitOfWork: `items = repository(SqlItemRepository)`."""
    return _Repository(build)


class SqlUnitOfWork:
    """Opens a session on entry, hands its repositories out, rolls back on exit.

    Each `async with` block is one transaction; a service commits it explicitly. Each
    `async with uow.read()` block reads without a transaction and cannot write. A
    repository is one line below; it is built on the block's session when first used.
    """
{%- if cookiecutter.auth == "jwt" %}

    users = repository(SqlUserRepository)
    auth_sessions = repository(SqlAuthSessionRepository)
    login_throttles = repository(SqlLoginThrottleRepository)
    account_tokens = repository(SqlAccountTokenRepository)
    mails = repository(SqlMailOutboxRepository)
{%- endif %}

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        queue: ConnectionQueue | None = None,
        writes: ConnectionQueue | None = None,
    ) -> None:
        """Make sessions from `session_factory`; take a turn in `queue` for each block, and
        first one in `writes` for each transaction."""
        self._session_factory = session_factory
        self._queue = queue
        self._writes = writes
        self._session: AsyncSession | None = None
        # The repositories built on the open session, by name.
        self.repositories: dict[str, object] = {}

    async def __aenter__(self) -> Self:
        """Open a session; its transaction begins with the first query."""
        self._ensure_closed()
        if self._writes is not None:
            await self._writes.__aenter__()
        if self._queue is not None:
            try:
                await self._queue.__aenter__()
            except BaseException:
                await self._end_write_turn()
                raise
        return self._open(self._session_factory())

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Self]:
        """Take a connection outside any transaction for the block; writing in it raises."""
        self._ensure_closed()
        async with self._queue or nullcontext():
            connection = await read_engine(self._session_factory.kw["bind"]).connect()
            self._open(read_session(connection))
            try:
                yield self
            finally:
                # The connection first: closing it ends what the session began on it with
                # one rollback, where the session would roll back and the pool again.
                # Closed directly: leaving `async with engine.connect()` would run the close
                # in a task of its own, made and scheduled for every block (~80 k
                # instructions), to shield it from a cancellation requests here never get.
                try:
                    await connection.close()
                finally:
                    await self._close_session()

    def _ensure_closed(self) -> None:
        if self._session is not None:
            raise RuntimeError("the unit of work is already open")

    def _open(self, session: AsyncSession) -> Self:
        self._session = session
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
        if self._session is None:
            return
        try:
            await self._close_session()
        finally:
            if self._queue is not None:
                await self._queue.__aexit__(None, None, None)
            await self._end_write_turn()

    async def _end_write_turn(self) -> None:
        if self._writes is not None:
            await self._writes.__aexit__(None, None, None)

    async def _close_session(self) -> None:
        session, self._session = self._session, None
        self.repositories.clear()
        # A session that began nothing and holds nothing has nothing to close: most read
        # blocks only read through their connection, and a close costs a greenlet switch.
        if session is not None and (
            session.in_transaction() or session.identity_map or session.new
        ):
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
            async with self._queue or nullcontext(), self._session_factory() as session:
                await session.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError):
            return False
        return True

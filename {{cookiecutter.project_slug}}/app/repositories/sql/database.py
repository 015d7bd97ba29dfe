"""The engine, the session factory and the queue for connections, made once per process."""

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from functools import lru_cache
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from app.core.config import Settings, get_settings


def _configure_sqlite(dbapi_connection: Any, _: Any) -> None:
    # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked per connection.
    # WAL lets readers go on while one connection writes, and with synchronous=NORMAL a
    # commit no longer waits for an fsync (a power cut may lose the last commits, never
    # corrupt the file). An in-memory database ignores journal_mode=WAL.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(settings: Settings) -> AsyncEngine:
    """Create the async engine for `settings.DATABASE_URL`.

    In production, SQL parameters (emails, password hashes...) stay out of error messages
    and so out of the logs.
    """
    options: dict[str, Any] = {
        "echo": settings.DATABASE_ECHO,
        "hide_parameters": settings.ENVIRONMENT == "production",
        # A fixed pool on SQLite too: its default lets 10 more connections open under load,
        # each a new thread of aiosqlite's, closed again as soon as it is returned.
        "pool_size": settings.DATABASE_POOL_SIZE,
        "max_overflow": settings.DATABASE_MAX_OVERFLOW,
        "pool_timeout": settings.DATABASE_POOL_TIMEOUT,
    }
    if settings.is_sqlite:
        engine = create_async_engine(settings.DATABASE_URL, **options)
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
        return engine
    return create_async_engine(
        settings.DATABASE_URL,
        **options,
        pool_recycle=settings.DATABASE_POOL_RECYCLE,
        # Off by default: a ping is one more round trip per checkout. Without it, a
        # connection the server dropped fails one request (503) and the pool starts over.
        pool_pre_ping=settings.DATABASE_POOL_PRE_PING,
        connect_args={} if settings.DATABASE_PREPARED_STATEMENTS else {"prepare_threshold": None},
    )


@lru_cache
def get_engine() -> AsyncEngine:
    """Return the process-wide engine."""
    return create_engine(get_settings())


@lru_cache
def get_session_factory() -> async_sessionmaker[AsyncSession]:
    """Return the process-wide session factory; sessions keep loaded values after commit."""
    return async_sessionmaker(get_engine(), expire_on_commit=False)


class ConnectionQueue:
    """Turns to use a database connection (or SQLite's writer), taken in the order asked.

    SQLAlchemy's async pool gives a returned connection to whoever asks next, even when a
    waiting request was already woken for it; that request then queues again at the back,
    so under load some requests waited seconds while most waited milliseconds. A unit of
    work takes a turn here for each block: first come, first served, and never more turns
    at once than the pool has connections, so the pool itself never makes anyone wait.
    Waiting longer than `timeout_s` raises TimeoutError (answered with 503), as the
    pool's own timeout would.
    """

    def __init__(self, size: int, timeout_s: float) -> None:
        """Allow `size` turns at once; wait at most `timeout_s` seconds for one."""
        self._turns = asyncio.Semaphore(size)  # fair: woken waiters go in arrival order
        self._timeout_s = timeout_s
        # Entered for as long as a block waits for its turn (the metrics count them).
        self.waiting: Callable[[], AbstractContextManager[object]] = nullcontext

    async def __aenter__(self) -> None:
        """Wait for a turn."""
        if not self._turns.locked():
            await self._turns.acquire()  # free: returns at once
            return
        with self.waiting():
            async with asyncio.timeout(self._timeout_s):
                await self._turns.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """End the turn; the longest waiting gets the next."""
        self._turns.release()


@lru_cache
def get_connection_queue() -> ConnectionQueue:
    """Return the process-wide queue for connections of the engine."""
    settings = get_settings()
    return ConnectionQueue(
        settings.DATABASE_POOL_SIZE + settings.DATABASE_MAX_OVERFLOW,
        settings.DATABASE_POOL_TIMEOUT,
    )


@lru_cache
def get_write_queue() -> ConnectionQueue | None:
    """Return the process-wide queue for SQLite's one writer; None on other databases.

    SQLite lets one transaction write at a time. Without turns, transactions race for the
    file's lock, whose busy handler sleeps and retries: under 32 clients, one POST in a
    hundred waited 0.9 s while the median waited 76 ms. Each transaction of a request takes
    a turn here, in arrival order, before its turn at a connection.
    """
    settings = get_settings()
    return ConnectionQueue(1, settings.DATABASE_POOL_TIMEOUT) if settings.is_sqlite else None


class ReadOnlySession(Session):
    """A session for reads outside a transaction: flushing or running DML raises."""


class ReadOnlyError(RuntimeError):
    """Something tried to write through a read-only session."""

    def __init__(self) -> None:
        """The one message, whichever way the write was tried."""
        super().__init__("a read block cannot write: use `async with uow:` and commit")


@event.listens_for(ReadOnlySession, "before_flush")
def _refuse_flush(session: Session, _: UOWTransaction, __: object) -> None:
    # Only called when something is pending: a new, changed or deleted object.
    raise ReadOnlyError


@event.listens_for(ReadOnlySession, "do_orm_execute")
def _refuse_dml(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlyError


@lru_cache(maxsize=32)
def read_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine of read blocks: `engine`, with each query on its own, outside a transaction.

    Without a transaction there is no BEGIN and no ROLLBACK around the queries: each one
    is a single round trip and sees the latest committed data. SQLite's driver reads that
    way already (it begins a transaction only before a write), so its engine serves as it
    is: switching to autocommit and back would cost four more hops to aiosqlite's thread
    for each block, a third of the time of a signed-in read.
    """
    if engine.dialect.name == "sqlite":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def read_session(connection: AsyncConnection) -> AsyncSession:
    """A session on a read block's `connection` that refuses to write.

    The repositories' reads run on the connection itself (see SqlRepository); the session
    is there for the ORM queries of a read block, and costs nothing when none runs.
    """
    return AsyncSession(bind=connection, sync_session_class=ReadOnlySession, expire_on_commit=False)

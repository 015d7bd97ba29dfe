"""The engine and the session factory, made once per process."""

from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.core.config import Settings, get_settings


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _: Any) -> None:
    # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(settings: Settings) -> AsyncEngine:
    """Create the async engine for `settings.DATABASE_URL`.

    In production, SQL parameters (emails, password hashes...) stay out of error messages
    and so out of the logs.
    """
    hide_parameters = settings.ENVIRONMENT == "production"
    if settings.is_sqlite:
        engine = create_async_engine(
            settings.DATABASE_URL, echo=settings.DATABASE_ECHO, hide_parameters=hide_parameters
        )
        event.listen(engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    return create_async_engine(
        settings.DATABASE_URL,
        echo=settings.DATABASE_ECHO,
        hide_parameters=hide_parameters,
        pool_size=settings.DATABASE_POOL_SIZE,
        max_overflow=settings.DATABASE_MAX_OVERFLOW,
        pool_timeout=settings.DATABASE_POOL_TIMEOUT,
        pool_recycle=settings.DATABASE_POOL_RECYCLE,
        # A server may close idle connections (restarts, failovers): test before use.
        pool_pre_ping=True,
    )


@lru_cache
def get_engine() -> AsyncEngine:
    """Return the process-wide engine."""
    return create_engine(get_settings())


@lru_cache
def get_session_factory() -> async_sessionmaker[AsyncSession]:
    """Return the process-wide session factory; sessions keep loaded values after commit."""
    return async_sessionmaker(get_engine(), expire_on_commit=False)

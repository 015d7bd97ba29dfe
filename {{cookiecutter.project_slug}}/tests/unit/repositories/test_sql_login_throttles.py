"""SqlLoginThrottleRepository on the test database."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.login_throttle import LoginThrottle
from app.repositories.sql.database import get_session_factory
from app.repositories.sql.login_throttles import SqlLoginThrottleRepository
from app.repositories.sql.unit_of_work import SqlUnitOfWork
from tests.fixtures.db import count

KEY = "a" * 64
OTHER_KEY = "b" * 64
NOW = datetime(2030, 1, 1, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


@pytest.fixture
def throttles(session: AsyncSession) -> SqlLoginThrottleRepository:
    """The repository under test, on the test session."""
    return SqlLoginThrottleRepository(session)


async def _fail(throttles: SqlLoginThrottleRepository, at: datetime = NOW) -> int:
    return await throttles.record_failure(KEY, at, at - WINDOW)


async def test_get_by_key_of_a_key_without_failures_returns_none(
    throttles: SqlLoginThrottleRepository,
) -> None:
    assert await throttles.get_by_key(KEY) is None


async def test_the_first_failure_stores_a_count_of_one(
    throttles: SqlLoginThrottleRepository,
) -> None:
    assert await _fail(throttles) == 1

    stored = await throttles.get_by_key(KEY)
    assert stored is not None
    assert (stored.failures, stored.window_started_at, stored.locked_until) == (1, NOW, None)


async def test_each_failure_in_the_window_adds_one(
    throttles: SqlLoginThrottleRepository,
) -> None:
    await _fail(throttles)
    await _fail(throttles, NOW + timedelta(minutes=1))

    assert await _fail(throttles, NOW + timedelta(minutes=2)) == 3


async def test_a_failure_after_the_window_starts_a_new_count(
    throttles: SqlLoginThrottleRepository, session: AsyncSession
) -> None:
    await _fail(throttles)
    await _fail(throttles)
    later = NOW + WINDOW + timedelta(seconds=1)

    assert await _fail(throttles, later) == 1

    session.expire_all()
    stored = await throttles.get_by_key(KEY)
    assert stored is not None
    assert stored.window_started_at == later


async def test_keys_are_counted_apart(throttles: SqlLoginThrottleRepository) -> None:
    await _fail(throttles)

    assert await throttles.record_failure(OTHER_KEY, NOW, NOW - WINDOW) == 1


async def test_lock_stamps_the_end_and_starts_the_count_again(
    throttles: SqlLoginThrottleRepository, session: AsyncSession
) -> None:
    await _fail(throttles)

    await throttles.lock(KEY, NOW + WINDOW)

    session.expire_all()
    stored = await throttles.get_by_key(KEY)
    assert stored is not None
    assert (stored.locked_until, stored.failures) == (NOW + WINDOW, 0)


async def test_clear_forgets_the_key_only(
    throttles: SqlLoginThrottleRepository, session: AsyncSession
) -> None:
    await _fail(throttles)
    await throttles.record_failure(OTHER_KEY, NOW, NOW - WINDOW)

    await throttles.clear(KEY)
    await session.commit()

    assert await throttles.get_by_key(KEY) is None
    assert await count(LoginThrottle) == 1


async def test_concurrent_failures_on_separate_connections_all_count() -> None:
    async def fail_once() -> None:
        uow = SqlUnitOfWork(get_session_factory())
        async with uow:
            await uow.login_throttles.record_failure(KEY, NOW, NOW - WINDOW)
            await uow.commit()

    await asyncio.gather(*(fail_once() for _ in range(4)))

    async with get_session_factory()() as session:
        stored = await SqlLoginThrottleRepository(session).get_by_key(KEY)
    assert stored is not None
    assert stored.failures == 4


async def test_purge_stale_deletes_counts_past_their_window_unless_they_lock(
    throttles: SqlLoginThrottleRepository, session: AsyncSession
) -> None:
    await throttles.record_failure(KEY, NOW - 2 * WINDOW, NOW - 3 * WINDOW)
    await throttles.record_failure(OTHER_KEY, NOW - 2 * WINDOW, NOW - 3 * WINDOW)
    await throttles.lock(OTHER_KEY, NOW + WINDOW)
    await throttles.record_failure("c" * 64, NOW, NOW - WINDOW)

    assert await throttles.purge_stale(NOW - WINDOW, NOW) == 1

    await session.commit()
    assert await throttles.get_by_key(KEY) is None
    assert await throttles.get_by_key(OTHER_KEY) is not None
    assert await count(LoginThrottle) == 2

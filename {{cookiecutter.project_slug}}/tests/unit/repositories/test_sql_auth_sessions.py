"""SqlAuthSessionRepository on the test database."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.auth_session import AuthSession
from app.repositories.sql.auth_sessions import SqlAuthSessionRepository
from app.repositories.sql.users import SqlUserRepository
from tests.fixtures.db import fetch
from tests.fixtures.factories import build_auth_session, build_user

NOW = datetime(2030, 1, 1, tzinfo=UTC)
EARLIER = datetime(2029, 1, 1, tzinfo=UTC)
LATER = datetime(2030, 1, 15, tzinfo=UTC)


@pytest.fixture
def sessions(session: AsyncSession) -> SqlAuthSessionRepository:
    """The repository under test, on the test session."""
    return SqlAuthSessionRepository(session)


@pytest.fixture
async def owner_id(session: AsyncSession) -> int:
    """The id of a stored user to own sessions."""
    user = await SqlUserRepository(session).add(build_user())
    assert user.id is not None
    return user.id


@pytest.fixture
async def other_owner_id(session: AsyncSession) -> int:
    """The id of a second stored user."""
    user = await SqlUserRepository(session).add(build_user())
    assert user.id is not None
    return user.id


async def _add(sessions: SqlAuthSessionRepository, user_id: int, **overrides: object) -> int:
    fields: dict[str, object] = {"expires_at": LATER}
    stored = await sessions.add(build_auth_session(user_id, **(fields | overrides)))
    assert stored.id is not None
    return stored.id


async def _stored(session: AsyncSession, session_id: int) -> AuthSession:
    await session.commit()
    stored = await fetch(AuthSession, session_id)
    assert stored is not None
    return stored


async def test_get_returns_the_stored_session(
    sessions: SqlAuthSessionRepository, owner_id: int
) -> None:
    session_id = await _add(sessions, owner_id, user_agent="curl/8")

    found = await sessions.get(session_id)

    assert found is not None
    assert (found.user_id, found.user_agent) == (owner_id, "curl/8")


async def test_get_of_a_missing_id_returns_none(sessions: SqlAuthSessionRepository) -> None:
    assert await sessions.get(424242) is None


async def test_list_active_returns_only_live_sessions_of_the_user_oldest_first(
    sessions: SqlAuthSessionRepository, owner_id: int, other_owner_id: int
) -> None:
    first = await _add(sessions, owner_id)
    await _add(sessions, owner_id, revoked_at=EARLIER)
    await _add(sessions, owner_id, expires_at=NOW)
    await _add(sessions, other_owner_id)
    last = await _add(sessions, owner_id)

    page, total = await sessions.list_active(owner_id, NOW, offset=0, limit=10)

    assert [found.id for found in page] == [first, last]
    assert total == 2


async def test_list_active_pages_with_offset_and_limit(
    sessions: SqlAuthSessionRepository, owner_id: int
) -> None:
    added = [await _add(sessions, owner_id) for _ in range(3)]

    page, total = await sessions.list_active(owner_id, NOW, offset=1, limit=1)

    assert [found.id for found in page] == [added[1]]
    assert total == 3


async def test_rotate_from_the_current_hash_swaps_it_and_stamps_the_use(
    sessions: SqlAuthSessionRepository, owner_id: int, session: AsyncSession
) -> None:
    session_id = await _add(sessions, owner_id, refresh_token_hash="a" * 64)

    assert await sessions.rotate(session_id, "a" * 64, "b" * 64, NOW, LATER) is True

    stored = await _stored(session, session_id)
    assert (stored.refresh_token_hash, stored.last_used_at) == ("b" * 64, NOW)
    assert stored.expires_at == LATER


async def test_rotate_from_an_old_hash_returns_false_and_changes_nothing(
    sessions: SqlAuthSessionRepository, owner_id: int, session: AsyncSession
) -> None:
    session_id = await _add(sessions, owner_id, refresh_token_hash="a" * 64)

    assert await sessions.rotate(session_id, "c" * 64, "b" * 64, NOW, LATER) is False

    assert (await _stored(session, session_id)).refresh_token_hash == "a" * 64


async def test_rotate_of_a_revoked_session_returns_false(
    sessions: SqlAuthSessionRepository, owner_id: int
) -> None:
    session_id = await _add(sessions, owner_id, refresh_token_hash="a" * 64, revoked_at=EARLIER)

    assert await sessions.rotate(session_id, "a" * 64, "b" * 64, NOW, LATER) is False


async def test_revoke_of_a_live_session_returns_true_and_stamps_it(
    sessions: SqlAuthSessionRepository, owner_id: int, session: AsyncSession
) -> None:
    session_id = await _add(sessions, owner_id)

    assert await sessions.revoke(session_id, NOW) is True

    assert (await _stored(session, session_id)).revoked_at == NOW


async def test_revoke_of_a_revoked_session_returns_false_and_keeps_the_first_stamp(
    sessions: SqlAuthSessionRepository, owner_id: int, session: AsyncSession
) -> None:
    session_id = await _add(sessions, owner_id)
    await sessions.revoke(session_id, EARLIER)

    assert await sessions.revoke(session_id, NOW) is False

    assert (await _stored(session, session_id)).revoked_at == EARLIER


async def test_revoke_of_a_missing_session_returns_false(
    sessions: SqlAuthSessionRepository,
) -> None:
    assert await sessions.revoke(424242, NOW) is False


async def test_revoke_all_for_user_revokes_each_live_session_of_the_user(
    sessions: SqlAuthSessionRepository, owner_id: int, session: AsyncSession
) -> None:
    first = await _add(sessions, owner_id)
    second = await _add(sessions, owner_id)

    await sessions.revoke_all_for_user(owner_id, NOW)

    assert (await _stored(session, first)).revoked_at == NOW
    assert (await _stored(session, second)).revoked_at == NOW


async def test_revoke_all_for_user_keeps_earlier_revocations(
    sessions: SqlAuthSessionRepository, owner_id: int, session: AsyncSession
) -> None:
    session_id = await _add(sessions, owner_id, revoked_at=EARLIER)

    await sessions.revoke_all_for_user(owner_id, NOW)

    assert (await _stored(session, session_id)).revoked_at == EARLIER


async def test_revoke_all_for_user_leaves_other_users_sessions_alive(
    sessions: SqlAuthSessionRepository,
    owner_id: int,
    other_owner_id: int,
    session: AsyncSession,
) -> None:
    others = await _add(sessions, other_owner_id)

    await sessions.revoke_all_for_user(owner_id, NOW)

    assert (await _stored(session, others)).revoked_at is None


async def test_timestamps_of_a_session_read_back_as_aware_utc(
    sessions: SqlAuthSessionRepository, owner_id: int, session: AsyncSession
) -> None:
    session_id = await _add(sessions, owner_id, expires_at=NOW + timedelta(days=14))

    stored = await _stored(session, session_id)

    assert stored.expires_at == NOW + timedelta(days=14)
    assert stored.last_used_at.tzinfo == UTC


async def test_purge_ended_deletes_expired_and_revoked_sessions_only(
    sessions: SqlAuthSessionRepository, owner_id: int, session: AsyncSession
) -> None:
    expired = await _add(sessions, owner_id, expires_at=EARLIER)
    revoked = await _add(sessions, owner_id, revoked_at=EARLIER)
    live = await _add(sessions, owner_id)

    assert await sessions.purge_ended(NOW) == 2

    await session.commit()
    assert await fetch(AuthSession, expired) is None
    assert await fetch(AuthSession, revoked) is None
    assert await fetch(AuthSession, live) is not None

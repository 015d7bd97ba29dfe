"""SqlRefreshTokenRepository on the test database."""

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import RefreshToken
from app.repositories.sql.refresh_tokens import SqlRefreshTokenRepository
from app.repositories.sql.users import SqlUserRepository
from tests.fixtures.db import fetch
from tests.fixtures.factories import build_refresh_token, build_user

NOW = datetime(2030, 1, 1, tzinfo=UTC)
EARLIER = datetime(2029, 1, 1, tzinfo=UTC)


@pytest.fixture
def tokens(session: AsyncSession) -> SqlRefreshTokenRepository:
    """The repository under test, on the test session."""
    return SqlRefreshTokenRepository(session)


@pytest.fixture
async def owner_id(session: AsyncSession) -> int:
    """The id of a stored user to own tokens."""
    user = await SqlUserRepository(session).add(build_user())
    assert user.id is not None
    return user.id


@pytest.fixture
async def other_owner_id(session: AsyncSession) -> int:
    """The id of a second stored user."""
    user = await SqlUserRepository(session).add(build_user())
    assert user.id is not None
    return user.id


async def _add(tokens: SqlRefreshTokenRepository, user_id: int, **overrides: object) -> int:
    token = await tokens.add(build_refresh_token(user_id, **overrides))
    assert token.id is not None
    return token.id


async def _revoked_at(session: AsyncSession, token_id: int) -> datetime | None:
    await session.commit()
    stored = await fetch(RefreshToken, token_id)
    assert stored is not None
    return stored.revoked_at


async def test_get_by_hash_finds_the_stored_token(
    tokens: SqlRefreshTokenRepository, owner_id: int
) -> None:
    token_id = await _add(tokens, owner_id, token_hash="a" * 64)

    found = await tokens.get_by_hash("a" * 64)

    assert found is not None
    assert found.id == token_id


async def test_get_by_hash_of_an_unknown_hash_returns_none(
    tokens: SqlRefreshTokenRepository, owner_id: int
) -> None:
    await _add(tokens, owner_id)

    assert await tokens.get_by_hash("f" * 64) is None


async def test_revoke_of_a_live_token_returns_true_and_stamps_it(
    tokens: SqlRefreshTokenRepository, owner_id: int, session: AsyncSession
) -> None:
    token_id = await _add(tokens, owner_id)

    assert await tokens.revoke(token_id, NOW) is True

    assert await _revoked_at(session, token_id) == NOW


async def test_revoke_of_a_revoked_token_returns_false_and_keeps_the_first_stamp(
    tokens: SqlRefreshTokenRepository, owner_id: int, session: AsyncSession
) -> None:
    token_id = await _add(tokens, owner_id)
    await tokens.revoke(token_id, EARLIER)

    assert await tokens.revoke(token_id, NOW) is False

    assert await _revoked_at(session, token_id) == EARLIER


async def test_revoke_of_a_missing_token_returns_false(
    tokens: SqlRefreshTokenRepository,
) -> None:
    assert await tokens.revoke(424242, NOW) is False


async def test_revoke_all_for_user_revokes_each_live_token_of_the_user(
    tokens: SqlRefreshTokenRepository, owner_id: int, session: AsyncSession
) -> None:
    first = await _add(tokens, owner_id)
    second = await _add(tokens, owner_id)

    await tokens.revoke_all_for_user(owner_id, NOW)

    assert await _revoked_at(session, first) == NOW
    assert await _revoked_at(session, second) == NOW


async def test_revoke_all_for_user_keeps_earlier_revocations(
    tokens: SqlRefreshTokenRepository, owner_id: int, session: AsyncSession
) -> None:
    token_id = await _add(tokens, owner_id, revoked_at=EARLIER)

    await tokens.revoke_all_for_user(owner_id, NOW)

    assert await _revoked_at(session, token_id) == EARLIER


async def test_revoke_all_for_user_leaves_other_users_tokens_alive(
    tokens: SqlRefreshTokenRepository,
    owner_id: int,
    other_owner_id: int,
    session: AsyncSession,
) -> None:
    others = await _add(tokens, other_owner_id)

    await tokens.revoke_all_for_user(owner_id, NOW)

    assert await _revoked_at(session, others) is None

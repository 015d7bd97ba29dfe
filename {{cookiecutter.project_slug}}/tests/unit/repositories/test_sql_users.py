"""SqlUserRepository on the test database."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import ConflictError
from app.core.security import Role
from app.models.auth_session import AuthSession
from app.models.user import User
from app.repositories.sql.auth_sessions import SqlAuthSessionRepository
from app.repositories.sql.users import SqlUserRepository
from app.schemas.user import UserRead
from tests.fixtures.db import count, fetch
from tests.fixtures.factories import build_auth_session, build_user

NOW = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
def users(session: AsyncSession) -> SqlUserRepository:
    """The repository under test, on the test session."""
    return SqlUserRepository(session)


async def test_add_gives_the_user_an_id(users: SqlUserRepository) -> None:
    user = await users.add(build_user())

    assert user.id is not None


async def test_get_returns_the_stored_user(users: SqlUserRepository) -> None:
    user = await users.add(build_user(email="ada@example.com"))
    assert user.id is not None

    found = await users.get(user.id)

    assert found is not None
    assert found.email == "ada@example.com"


async def test_get_of_a_missing_id_returns_none(users: SqlUserRepository) -> None:
    assert await users.get(424242) is None


async def test_get_by_email_finds_the_user(users: SqlUserRepository) -> None:
    user = await users.add(build_user(email="ada@example.com"))

    found = await users.get_by_email("ada@example.com")

    assert found is not None
    assert found.id == user.id


async def test_get_by_email_of_an_unknown_email_returns_none(users: SqlUserRepository) -> None:
    await users.add(build_user())

    assert await users.get_by_email("nobody@example.com") is None


# ---------------------------------------------------------------- get_signed_in


async def _signed_in(
    users: SqlUserRepository,
    session: AsyncSession,
    *,
    user: dict[str, object] | None = None,
    auth_session: dict[str, object] | None = None,
) -> tuple[User, int]:
    stored = await users.add(build_user(token_version=3, **(user or {})))
    assert stored.id is not None
    fields: dict[str, object] = {"expires_at": NOW + timedelta(days=1)}
    live = await SqlAuthSessionRepository(session).add(
        build_auth_session(stored.id, **(fields | (auth_session or {})))
    )
    assert live.id is not None
    return stored, live.id


async def test_get_signed_in_returns_the_user_of_a_live_session(
    users: SqlUserRepository, session: AsyncSession
) -> None:
    user, session_id = await _signed_in(users, session)
    assert user.id is not None

    found = await users.get_signed_in(user.id, session_id, 3, NOW)

    assert found is not None
    assert found.id == user.id


@pytest.mark.parametrize(
    ("user", "auth_session", "token_version"),
    [
        ({"is_active": False}, {}, 3),
        ({}, {}, 2),
        ({}, {"revoked_at": NOW}, 3),
        ({}, {"expires_at": NOW}, 3),
    ],
    ids=["inactive-user", "older-token-version", "revoked-session", "expired-session"],
)
async def test_get_signed_in_returns_none_once_the_token_no_longer_holds(
    users: SqlUserRepository,
    session: AsyncSession,
    user: dict[str, object],
    auth_session: dict[str, object],
    token_version: int,
) -> None:
    stored, session_id = await _signed_in(users, session, user=user, auth_session=auth_session)
    assert stored.id is not None

    assert await users.get_signed_in(stored.id, session_id, token_version, NOW) is None


async def test_get_signed_in_returns_none_for_another_users_session(
    users: SqlUserRepository, session: AsyncSession
) -> None:
    _, session_id = await _signed_in(users, session)
    other, _ = await _signed_in(users, session)
    assert other.id is not None

    assert await users.get_signed_in(other.id, session_id, 3, NOW) is None


async def test_get_signed_in_returns_none_for_a_missing_session(
    users: SqlUserRepository, session: AsyncSession
) -> None:
    user, _ = await _signed_in(users, session)
    assert user.id is not None

    assert await users.get_signed_in(user.id, 424242, 3, NOW) is None


async def test_adding_a_taken_email_raises_conflict(
    users: SqlUserRepository, session: AsyncSession
) -> None:
    await users.add(build_user(email="same@example.com"))
    await session.commit()

    with pytest.raises(ConflictError):
        await users.add(build_user(email="same@example.com"))


async def test_the_session_is_usable_after_a_conflict(
    users: SqlUserRepository, session: AsyncSession
) -> None:
    await users.add(build_user(email="same@example.com"))
    await session.commit()
    with pytest.raises(ConflictError):
        await users.add(build_user(email="same@example.com"))

    assert await users.get_by_email("same@example.com") is not None


async def test_read_page_returns_one_page_oldest_first_and_the_total(
    users: SqlUserRepository,
) -> None:
    added = [await users.add(build_user()) for _ in range(5)]

    page = await users.read_page(offset=1, limit=2)

    assert page.items == [UserRead.model_validate(user) for user in added[1:3]]
    assert page.total == 5


async def test_read_page_past_the_end_is_empty_but_still_counts(users: SqlUserRepository) -> None:
    await users.add(build_user())

    page = await users.read_page(offset=10, limit=10)

    assert (page.items, page.total) == ([], 1)


async def test_read_shows_a_user_as_the_api_does_and_misses_as_none(
    users: SqlUserRepository,
) -> None:
    user = await users.add(build_user())

    assert await users.read(user.id) == UserRead.model_validate(user)
    assert await users.read(user.id + 1000) is None


async def test_count_active_admins_ignores_users_and_inactive_admins(
    users: SqlUserRepository,
) -> None:
    await users.add(build_user(role=Role.ADMIN))
    await users.add(build_user(role=Role.ADMIN))
    await users.add(build_user(role=Role.ADMIN, is_active=False))
    await users.add(build_user(role=Role.USER))

    assert await users.count_active_admins() == 2


async def test_count_active_admins_is_zero_without_admins(users: SqlUserRepository) -> None:
    assert await users.count_active_admins() == 0


async def test_delete_removes_the_user(users: SqlUserRepository) -> None:
    user = await users.add(build_user())
    assert user.id is not None

    await users.delete(user)

    assert await users.get(user.id) is None


async def test_deleting_a_user_deletes_their_sessions(
    users: SqlUserRepository, session: AsyncSession
) -> None:
    owner = await users.add(build_user())
    assert owner.id is not None
    await SqlAuthSessionRepository(session).add(build_auth_session(owner.id))
    await session.commit()

    await users.delete(owner)
    await session.commit()

    assert await count(AuthSession) == 0


# ---------------------------------------------------------------- timestamps


async def test_timestamps_read_back_as_aware_utc(
    users: SqlUserRepository, session: AsyncSession
) -> None:
    user = await users.add(build_user())
    await session.commit()

    stored = await fetch(User, user.id)

    assert stored is not None
    assert stored.created_at.tzinfo == UTC
    assert stored.updated_at.tzinfo == UTC


async def test_changing_a_row_moves_updated_at_forward(
    users: SqlUserRepository, session: AsyncSession
) -> None:
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    user = await users.add(build_user(updated_at=long_ago))
    await session.commit()

    user.full_name = "Renamed"
    await session.commit()

    stored = await fetch(User, user.id)
    assert stored is not None
    assert stored.updated_at > long_ago

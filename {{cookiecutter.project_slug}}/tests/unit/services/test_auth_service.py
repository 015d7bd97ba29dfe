"""AuthService: sign-up, login, sessions and their token rotation, logout, access checks."""

from datetime import datetime, timedelta

import pytest

from app.core.errors import AuthenticationError, ConflictError, NotFoundError
from app.core.security import PasswordHasher, Role, TokenCodec, fingerprint
from app.models.auth_session import AuthSession
from app.models.user import User
from app.schemas.auth import TokenPair
from app.services.auth import (
    BAD_CREDENTIALS,
    BAD_TOKEN,
    USER_AGENT_MAX_LENGTH,
    AuthService,
)
from app.utils.time import utcnow
from tests.fixtures.factories import PASSWORD, MakeUser, build_auth_session, user_register
from tests.fixtures.fakes import FakeUnitOfWork


def _session_of(fake_uow: FakeUnitOfWork, codec: TokenCodec, refresh_token: str) -> AuthSession:
    """The stored session a refresh token belongs to."""
    return fake_uow.auth_sessions.rows[codec.decode(refresh_token, "refresh").session_id]


def _stored_user(fake_uow: FakeUnitOfWork, user: User) -> User:
    assert user.id is not None
    return fake_uow.users.rows[user.id]


# ---------------------------------------------------------------- register


async def test_register_stores_a_user_with_the_user_role_and_commits(
    auth_service: AuthService, fake_uow: FakeUnitOfWork
) -> None:
    user = await auth_service.register(user_register(email="new@example.com"))

    stored = _stored_user(fake_uow, user)
    assert stored.email == "new@example.com"
    assert stored.role == Role.USER
    assert stored.is_active is True
    assert stored.token_version == 0
    assert fake_uow.committed


async def test_register_stores_a_hash_that_verifies_not_the_password(
    auth_service: AuthService, fake_uow: FakeUnitOfWork, hasher: PasswordHasher
) -> None:
    user = await auth_service.register(user_register(password=PASSWORD))

    stored_hash = _stored_user(fake_uow, user).hashed_password
    assert PASSWORD not in stored_hash
    assert await hasher.verify(PASSWORD, stored_hash)


async def test_register_with_a_taken_email_raises_conflict_and_stores_nothing(
    auth_service: AuthService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    fake_uow.committed = False

    with pytest.raises(ConflictError):
        await auth_service.register(user_register(email=user.email))

    assert list(fake_uow.users.rows.values()) == [user]
    assert fake_uow.committed is False


# ---------------------------------------------------------------- login


async def test_login_returns_a_pair_of_one_new_committed_session_of_the_user(
    auth_service: AuthService, codec: TokenCodec, fake_uow: FakeUnitOfWork, user: User
) -> None:
    fake_uow.committed = False

    pair = await auth_service.login(user.email, PASSWORD)

    access = codec.decode(pair.access_token, "access")
    refresh = codec.decode(pair.refresh_token, "refresh")
    assert pair.token_type == "bearer"
    assert access.user_id == refresh.user_id == user.id
    assert access.session_id == refresh.session_id
    assert fake_uow.auth_sessions.rows[access.session_id].user_id == user.id
    assert fake_uow.committed


async def test_login_reports_the_access_token_lifetime_in_seconds(
    auth_service: AuthService, codec: TokenCodec, user: User
) -> None:
    pair = await auth_service.login(user.email, PASSWORD)

    assert pair.expires_in == codec.lifetime("access").total_seconds()


async def test_login_stores_only_the_fingerprint_of_the_refresh_token(
    auth_service: AuthService, codec: TokenCodec, fake_uow: FakeUnitOfWork, user: User
) -> None:
    pair = await auth_service.login(user.email, PASSWORD)

    session = _session_of(fake_uow, codec, pair.refresh_token)
    assert session.refresh_token_hash == fingerprint(pair.refresh_token)
    assert pair.refresh_token not in session.model_dump_json()
    assert session.revoked_at is None


async def test_the_session_ends_when_its_refresh_token_expires(
    auth_service: AuthService, codec: TokenCodec, fake_uow: FakeUnitOfWork, user: User
) -> None:
    pair = await auth_service.login(user.email, PASSWORD)

    session = _session_of(fake_uow, codec, pair.refresh_token)
    assert session.expires_at == codec.decode(pair.refresh_token, "refresh").expires_at


async def test_login_keeps_the_user_agent_cut_to_its_column(
    auth_service: AuthService, codec: TokenCodec, fake_uow: FakeUnitOfWork, user: User
) -> None:
    pair = await auth_service.login(user.email, PASSWORD, "x" * 1000)

    session = _session_of(fake_uow, codec, pair.refresh_token)
    assert session.user_agent == "x" * USER_AGENT_MAX_LENGTH


async def test_each_login_opens_a_session_of_its_own(
    auth_service: AuthService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    await auth_service.login(user.email, PASSWORD)
    await auth_service.login(user.email, PASSWORD)

    assert len(fake_uow.auth_sessions.rows) == 2


async def test_login_ignores_case_and_surrounding_spaces_in_the_email(
    auth_service: AuthService, user: User
) -> None:
    pair = await auth_service.login(f"  {user.email.upper()} ", PASSWORD)

    assert pair.access_token


async def test_login_with_a_wrong_password_is_rejected(
    auth_service: AuthService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await auth_service.login(user.email, "wrong-password-1")

    assert caught.value.detail == BAD_CREDENTIALS
    assert not fake_uow.auth_sessions.rows


async def test_login_with_an_unknown_email_gives_the_same_error_as_a_wrong_password(
    auth_service: AuthService,
) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await auth_service.login("nobody@example.com", PASSWORD)

    assert caught.value.detail == BAD_CREDENTIALS


async def test_login_of_an_inactive_user_is_rejected_even_with_the_right_password(
    auth_service: AuthService, make_user: MakeUser, fake_uow: FakeUnitOfWork
) -> None:
    inactive = await make_user(is_active=False)

    with pytest.raises(AuthenticationError) as caught:
        await auth_service.login(inactive.email, PASSWORD)

    assert caught.value.detail == BAD_CREDENTIALS
    assert not fake_uow.auth_sessions.rows


# ---------------------------------------------------------------- refresh


@pytest.fixture
async def pair(auth_service: AuthService, user: User) -> TokenPair:
    """A token pair of `user`, from a login."""
    return await auth_service.login(user.email, PASSWORD)


async def test_refresh_returns_a_new_pair_of_the_same_session(
    auth_service: AuthService, codec: TokenCodec, pair: TokenPair, user: User
) -> None:
    new_pair = await auth_service.refresh(pair.refresh_token)

    assert new_pair.refresh_token != pair.refresh_token
    claims = codec.decode(new_pair.access_token, "access")
    assert claims.user_id == user.id
    assert claims.session_id == codec.decode(pair.access_token, "access").session_id


async def test_refresh_stores_the_fingerprint_of_the_new_token_and_the_time_of_use(
    auth_service: AuthService, codec: TokenCodec, fake_uow: FakeUnitOfWork, pair: TokenPair
) -> None:
    before = _session_of(fake_uow, codec, pair.refresh_token).last_used_at
    fake_uow.committed = False

    new_pair = await auth_service.refresh(pair.refresh_token)

    session = _session_of(fake_uow, codec, new_pair.refresh_token)
    assert session.refresh_token_hash == fingerprint(new_pair.refresh_token)
    assert session.last_used_at >= before
    assert session.expires_at == codec.decode(new_pair.refresh_token, "refresh").expires_at
    assert fake_uow.committed


async def test_a_refresh_token_is_rejected_after_it_was_used_once(
    auth_service: AuthService, pair: TokenPair
) -> None:
    await auth_service.refresh(pair.refresh_token)

    with pytest.raises(AuthenticationError) as caught:
        await auth_service.refresh(pair.refresh_token)

    assert caught.value.detail == BAD_TOKEN


async def test_reusing_a_rotated_refresh_token_ends_the_whole_session(
    auth_service: AuthService, codec: TokenCodec, fake_uow: FakeUnitOfWork, pair: TokenPair
) -> None:
    newest = await auth_service.refresh(pair.refresh_token)
    fake_uow.committed = False

    with pytest.raises(AuthenticationError):
        await auth_service.refresh(pair.refresh_token)

    # The refresh fails, yet the session's end is committed.
    assert _session_of(fake_uow, codec, pair.refresh_token).revoked_at is not None
    assert fake_uow.committed
    with pytest.raises(AuthenticationError):
        await auth_service.refresh(newest.refresh_token)
    with pytest.raises(AuthenticationError):
        await auth_service.authenticate(newest.access_token)


async def test_the_rotated_refresh_token_works_once_more(
    auth_service: AuthService, pair: TokenPair
) -> None:
    second = await auth_service.refresh(pair.refresh_token)

    third = await auth_service.refresh(second.refresh_token)

    assert third.refresh_token not in (pair.refresh_token, second.refresh_token)


async def test_a_refresh_that_loses_the_race_to_rotate_is_rejected_and_ends_nothing(
    auth_service: AuthService,
    codec: TokenCodec,
    fake_uow: FakeUnitOfWork,
    pair: TokenPair,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = _session_of(fake_uow, codec, pair.refresh_token)
    rotate = fake_uow.auth_sessions.rotate

    async def rotated_meanwhile(
        session_id: int, old_hash: str, new_hash: str, now: datetime, expires_at: datetime
    ) -> bool:
        # A concurrent refresh rotates the session after this one checked its hash.
        session.refresh_token_hash = "the-winners-fingerprint"
        return await rotate(session_id, old_hash, new_hash, now, expires_at)

    monkeypatch.setattr(fake_uow.auth_sessions, "rotate", rotated_meanwhile)
    fake_uow.committed = False

    with pytest.raises(AuthenticationError) as caught:
        await auth_service.refresh(pair.refresh_token)

    assert caught.value.detail == BAD_TOKEN
    # Not taken for a stolen token: the winner's session lives on, and nothing is committed.
    assert session.revoked_at is None
    assert session.refresh_token_hash == "the-winners-fingerprint"
    assert fake_uow.committed is False


async def test_refresh_with_an_access_token_is_rejected(
    auth_service: AuthService, pair: TokenPair
) -> None:
    with pytest.raises(AuthenticationError):
        await auth_service.refresh(pair.access_token)


async def test_refresh_with_a_malformed_token_is_rejected(auth_service: AuthService) -> None:
    with pytest.raises(AuthenticationError):
        await auth_service.refresh("not-a-jwt")


async def test_refresh_with_a_signed_token_of_a_session_that_does_not_exist_is_rejected(
    auth_service: AuthService, codec: TokenCodec, user: User
) -> None:
    assert user.id is not None
    forged = codec.issue("refresh", user_id=user.id, session_id=424242, token_version=0)

    with pytest.raises(AuthenticationError):
        await auth_service.refresh(forged.token)


async def test_refresh_with_a_signed_token_naming_another_users_session_is_rejected(
    auth_service: AuthService, codec: TokenCodec, pair: TokenPair, other_user: User
) -> None:
    assert other_user.id is not None
    session_id = codec.decode(pair.refresh_token, "refresh").session_id
    forged = codec.issue("refresh", user_id=other_user.id, session_id=session_id, token_version=0)

    with pytest.raises(AuthenticationError):
        await auth_service.refresh(forged.token)


async def test_refresh_of_an_expired_session_is_rejected(
    auth_service: AuthService, codec: TokenCodec, fake_uow: FakeUnitOfWork, pair: TokenPair
) -> None:
    _session_of(fake_uow, codec, pair.refresh_token).expires_at = utcnow() - timedelta(seconds=1)

    with pytest.raises(AuthenticationError):
        await auth_service.refresh(pair.refresh_token)


async def test_refresh_for_a_user_deactivated_since_login_is_rejected(
    auth_service: AuthService, fake_uow: FakeUnitOfWork, pair: TokenPair, user: User
) -> None:
    _stored_user(fake_uow, user).is_active = False

    with pytest.raises(AuthenticationError):
        await auth_service.refresh(pair.refresh_token)


async def test_refresh_after_the_users_token_version_moved_on_is_rejected(
    auth_service: AuthService, fake_uow: FakeUnitOfWork, pair: TokenPair, user: User
) -> None:
    _stored_user(fake_uow, user).token_version += 1

    with pytest.raises(AuthenticationError):
        await auth_service.refresh(pair.refresh_token)


# ---------------------------------------------------------------- logout


async def test_logout_revokes_the_session_and_commits(
    auth_service: AuthService, codec: TokenCodec, fake_uow: FakeUnitOfWork, pair: TokenPair
) -> None:
    fake_uow.committed = False

    await auth_service.logout(pair.refresh_token)

    assert _session_of(fake_uow, codec, pair.refresh_token).revoked_at is not None
    assert fake_uow.committed


async def test_after_logout_neither_token_of_the_session_works(
    auth_service: AuthService, pair: TokenPair
) -> None:
    await auth_service.logout(pair.refresh_token)

    with pytest.raises(AuthenticationError):
        await auth_service.refresh(pair.refresh_token)
    with pytest.raises(AuthenticationError):
        await auth_service.authenticate(pair.access_token)


async def test_logout_leaves_the_users_other_sessions_alone(
    auth_service: AuthService, pair: TokenPair, user: User
) -> None:
    other = await auth_service.login(user.email, PASSWORD)

    await auth_service.logout(pair.refresh_token)

    assert (await auth_service.authenticate(other.access_token)).user.id == user.id


async def test_logout_twice_with_the_same_token_is_rejected(
    auth_service: AuthService, pair: TokenPair
) -> None:
    await auth_service.logout(pair.refresh_token)

    with pytest.raises(AuthenticationError):
        await auth_service.logout(pair.refresh_token)


async def test_logout_with_a_malformed_token_is_rejected(auth_service: AuthService) -> None:
    with pytest.raises(AuthenticationError):
        await auth_service.logout("not-a-jwt")


# ---------------------------------------------------------------- authenticate


async def test_authenticate_returns_the_user_and_session_of_an_access_token(
    auth_service: AuthService, codec: TokenCodec, pair: TokenPair, user: User
) -> None:
    caller = await auth_service.authenticate(pair.access_token)

    assert caller.user.id == user.id
    assert caller.session_id == codec.decode(pair.access_token, "access").session_id


async def test_authenticate_rejects_a_refresh_token(
    auth_service: AuthService, pair: TokenPair
) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await auth_service.authenticate(pair.refresh_token)

    assert caught.value.detail == BAD_TOKEN


async def test_authenticate_rejects_a_malformed_token(auth_service: AuthService) -> None:
    with pytest.raises(AuthenticationError):
        await auth_service.authenticate("not-a-jwt")


async def test_authenticate_rejects_an_expired_token(
    auth_service: AuthService, codec: TokenCodec, pair: TokenPair
) -> None:
    claims = codec.decode(pair.access_token, "access")
    long_ago = utcnow() - codec.lifetime("access") - timedelta(minutes=1)
    expired = codec.issue(
        "access",
        user_id=claims.user_id,
        session_id=claims.session_id,
        token_version=claims.token_version,
        now=long_ago,
    )

    with pytest.raises(AuthenticationError):
        await auth_service.authenticate(expired.token)


async def test_authenticate_rejects_a_token_of_a_user_that_no_longer_exists(
    auth_service: AuthService, codec: TokenCodec
) -> None:
    token = codec.issue("access", user_id=999999, session_id=1, token_version=0).token

    with pytest.raises(AuthenticationError):
        await auth_service.authenticate(token)


async def test_authenticate_rejects_a_token_of_a_deactivated_user(
    auth_service: AuthService, fake_uow: FakeUnitOfWork, pair: TokenPair, user: User
) -> None:
    _stored_user(fake_uow, user).is_active = False

    with pytest.raises(AuthenticationError):
        await auth_service.authenticate(pair.access_token)


async def test_authenticate_rejects_a_token_of_an_older_token_version(
    auth_service: AuthService, fake_uow: FakeUnitOfWork, pair: TokenPair, user: User
) -> None:
    _stored_user(fake_uow, user).token_version += 1

    with pytest.raises(AuthenticationError):
        await auth_service.authenticate(pair.access_token)


async def test_authenticate_rejects_a_token_naming_another_users_session(
    auth_service: AuthService, codec: TokenCodec, pair: TokenPair, other_user: User
) -> None:
    assert other_user.id is not None
    session_id = codec.decode(pair.access_token, "access").session_id
    forged = codec.issue("access", user_id=other_user.id, session_id=session_id, token_version=0)

    with pytest.raises(AuthenticationError):
        await auth_service.authenticate(forged.token)


async def test_authenticate_rejects_a_token_of_an_expired_session(
    auth_service: AuthService, codec: TokenCodec, fake_uow: FakeUnitOfWork, pair: TokenPair
) -> None:
    _session_of(fake_uow, codec, pair.refresh_token).expires_at = utcnow() - timedelta(seconds=1)

    with pytest.raises(AuthenticationError):
        await auth_service.authenticate(pair.access_token)


# ---------------------------------------------------------------- sessions


async def _store_session(fake_uow: FakeUnitOfWork, user: User, **fields: object) -> AuthSession:
    assert user.id is not None
    return await fake_uow.auth_sessions.add(build_auth_session(user.id, **fields))


async def test_list_sessions_returns_the_users_live_sessions_oldest_first(
    auth_service: AuthService, fake_uow: FakeUnitOfWork, user: User, other_user: User
) -> None:
    first = await _store_session(fake_uow, user)
    await _store_session(fake_uow, user, revoked_at=utcnow())
    await _store_session(fake_uow, user, expires_at=utcnow() - timedelta(seconds=1))
    await _store_session(fake_uow, other_user)
    last = await _store_session(fake_uow, user)

    sessions, total = await auth_service.list_sessions(user, offset=0, limit=10)

    assert [session.id for session in sessions] == [first.id, last.id]
    assert total == 2


async def test_list_sessions_pages_with_offset_and_limit(
    auth_service: AuthService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    stored = [await _store_session(fake_uow, user) for _ in range(3)]

    sessions, total = await auth_service.list_sessions(user, offset=1, limit=1)

    assert [session.id for session in sessions] == [stored[1].id]
    assert total == 3


async def test_revoke_session_ends_one_session_of_the_caller_and_commits(
    auth_service: AuthService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    kept, ended = await _store_session(fake_uow, user), await _store_session(fake_uow, user)
    assert ended.id is not None
    fake_uow.committed = False

    await auth_service.revoke_session(user, ended.id)

    assert fake_uow.auth_sessions.rows[ended.id].revoked_at is not None
    assert kept.revoked_at is None
    assert fake_uow.committed


@pytest.mark.parametrize(
    "whose",
    ["another user's", "a revoked", "an expired"],
    ids=["another-users", "revoked", "expired"],
)
async def test_revoke_session_of_anything_but_a_live_session_of_ones_own_is_not_found(
    auth_service: AuthService, fake_uow: FakeUnitOfWork, user: User, other_user: User, whose: str
) -> None:
    past = utcnow() - timedelta(seconds=1)
    owner, fields = {
        "another user's": (other_user, {}),
        "a revoked": (user, {"revoked_at": past}),
        "an expired": (user, {"expires_at": past}),
    }[whose]
    session = await _store_session(fake_uow, owner, **fields)
    assert session.id is not None
    before = session.model_dump()
    fake_uow.committed = False

    with pytest.raises(NotFoundError):
        await auth_service.revoke_session(user, session.id)

    assert session.model_dump() == before
    assert fake_uow.committed is False


async def test_revoke_session_of_a_missing_session_is_not_found(
    auth_service: AuthService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    fake_uow.committed = False

    with pytest.raises(NotFoundError):
        await auth_service.revoke_session(user, 424242)

    assert fake_uow.committed is False

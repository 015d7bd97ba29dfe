"""AuthService: sign-up, login, token rotation, logout and access-token checks."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from app.core.errors import AuthenticationError, ConflictError
from app.core.security import PasswordHasher, Role, TokenCodec, fingerprint
from app.models import RefreshToken, User
from app.schemas.auth import TokenPair
from app.services.auth import BAD_CREDENTIALS, BAD_TOKEN, AuthService
from tests.fixtures.factories import PASSWORD, MakeUser, user_register
from tests.fixtures.fakes import FakeDatabase, FakeUnitOfWork


def _stored_token(fake_db: FakeDatabase, refresh_token: str) -> RefreshToken:
    digest = fingerprint(refresh_token)
    tokens = fake_db.committed.refresh_tokens.values()
    return next(token for token in tokens if token.token_hash == digest)


# ---------------------------------------------------------------- register


async def test_register_stores_a_user_with_the_user_role(
    auth_service: AuthService, fake_db: FakeDatabase
) -> None:
    user = await auth_service.register(user_register(email="new@example.com"))

    assert user.id is not None
    stored = fake_db.committed.users[user.id]
    assert stored.email == "new@example.com"
    assert stored.role == Role.USER
    assert stored.is_active is True


async def test_register_stores_a_hash_that_verifies_not_the_password(
    auth_service: AuthService, fake_db: FakeDatabase, hasher: PasswordHasher
) -> None:
    user = await auth_service.register(user_register(password=PASSWORD))

    assert user.id is not None
    stored_hash = fake_db.committed.users[user.id].hashed_password
    assert PASSWORD not in stored_hash
    assert await hasher.verify(PASSWORD, stored_hash)


async def test_register_with_a_taken_email_raises_conflict(
    auth_service: AuthService, fake_db: FakeDatabase, user: User
) -> None:
    with pytest.raises(ConflictError):
        await auth_service.register(user_register(email=user.email))

    assert len(fake_db.committed.users) == 1


# ---------------------------------------------------------------- login


async def test_login_returns_a_bearer_pair_for_the_user(
    auth_service: AuthService, codec: TokenCodec, user: User
) -> None:
    pair = await auth_service.login(user.email, PASSWORD)

    assert pair.token_type == "bearer"
    assert codec.decode(pair.access_token, "access").subject == str(user.id)
    assert codec.decode(pair.refresh_token, "refresh").subject == str(user.id)


async def test_login_reports_the_access_token_lifetime_in_seconds(
    auth_service: AuthService, codec: TokenCodec, user: User
) -> None:
    pair = await auth_service.login(user.email, PASSWORD)

    assert pair.expires_in == codec.lifetime("access").total_seconds()


async def test_login_stores_only_the_fingerprint_of_the_refresh_token(
    auth_service: AuthService, fake_db: FakeDatabase, user: User
) -> None:
    pair = await auth_service.login(user.email, PASSWORD)

    (stored,) = fake_db.committed.refresh_tokens.values()
    assert stored.user_id == user.id
    assert stored.token_hash == fingerprint(pair.refresh_token)
    assert stored.revoked_at is None


async def test_login_ignores_case_and_surrounding_spaces_in_the_email(
    auth_service: AuthService, user: User
) -> None:
    pair = await auth_service.login(f"  {user.email.upper()} ", PASSWORD)

    assert pair.access_token


async def test_login_with_a_wrong_password_is_rejected(
    auth_service: AuthService, user: User
) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await auth_service.login(user.email, "wrong-password-1")

    assert caught.value.detail == BAD_CREDENTIALS


async def test_login_with_an_unknown_email_gives_the_same_error_as_a_wrong_password(
    auth_service: AuthService,
) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await auth_service.login("nobody@example.com", PASSWORD)

    assert caught.value.detail == BAD_CREDENTIALS


async def test_login_of_an_inactive_user_is_rejected_even_with_the_right_password(
    auth_service: AuthService, make_user: MakeUser, fake_db: FakeDatabase
) -> None:
    inactive = await make_user(is_active=False)

    with pytest.raises(AuthenticationError) as caught:
        await auth_service.login(inactive.email, PASSWORD)

    assert caught.value.detail == BAD_CREDENTIALS
    assert not fake_db.committed.refresh_tokens


# ---------------------------------------------------------------- refresh


@pytest.fixture
async def pair(auth_service: AuthService, user: User) -> TokenPair:
    """A token pair of `user`, from a login."""
    return await auth_service.login(user.email, PASSWORD)


async def test_refresh_returns_a_new_pair_for_the_same_user(
    auth_service: AuthService, codec: TokenCodec, pair: TokenPair, user: User
) -> None:
    new_pair = await auth_service.refresh(pair.refresh_token)

    assert new_pair.refresh_token != pair.refresh_token
    assert codec.decode(new_pair.access_token, "access").subject == str(user.id)


async def test_refresh_revokes_the_token_it_was_given(
    auth_service: AuthService, fake_db: FakeDatabase, pair: TokenPair
) -> None:
    await auth_service.refresh(pair.refresh_token)

    assert _stored_token(fake_db, pair.refresh_token).revoked_at is not None


async def test_a_refresh_token_is_rejected_after_it_was_used_once(
    auth_service: AuthService, pair: TokenPair
) -> None:
    await auth_service.refresh(pair.refresh_token)

    with pytest.raises(AuthenticationError) as caught:
        await auth_service.refresh(pair.refresh_token)

    assert caught.value.detail == BAD_TOKEN


async def test_the_rotated_refresh_token_works_once_more(
    auth_service: AuthService, pair: TokenPair
) -> None:
    second = await auth_service.refresh(pair.refresh_token)

    third = await auth_service.refresh(second.refresh_token)

    assert third.refresh_token not in (pair.refresh_token, second.refresh_token)


async def test_two_concurrent_refreshes_of_one_token_let_only_one_win(
    fake_db: FakeDatabase, hasher: PasswordHasher, codec: TokenCodec, pair: TokenPair
) -> None:
    first = AuthService(FakeUnitOfWork(fake_db), hasher, codec)
    second = AuthService(FakeUnitOfWork(fake_db), hasher, codec)

    results = await asyncio.gather(
        first.refresh(pair.refresh_token),
        second.refresh(pair.refresh_token),
        return_exceptions=True,
    )

    assert sum(isinstance(result, TokenPair) for result in results) == 1
    assert sum(isinstance(result, AuthenticationError) for result in results) == 1


async def test_refresh_with_an_access_token_is_rejected(
    auth_service: AuthService, pair: TokenPair
) -> None:
    with pytest.raises(AuthenticationError):
        await auth_service.refresh(pair.access_token)


async def test_refresh_with_a_malformed_token_is_rejected(auth_service: AuthService) -> None:
    with pytest.raises(AuthenticationError):
        await auth_service.refresh("not-a-jwt")


async def test_refresh_with_a_validly_signed_token_that_was_never_issued_is_rejected(
    auth_service: AuthService, codec: TokenCodec, user: User
) -> None:
    forged = codec.issue(str(user.id), "refresh").token

    with pytest.raises(AuthenticationError):
        await auth_service.refresh(forged)


async def test_refresh_for_a_user_deactivated_since_login_is_rejected(
    auth_service: AuthService, fake_db: FakeDatabase, pair: TokenPair, user: User
) -> None:
    assert user.id is not None
    fake_db.committed.users[user.id].is_active = False

    with pytest.raises(AuthenticationError):
        await auth_service.refresh(pair.refresh_token)


# ---------------------------------------------------------------- logout


async def test_logout_revokes_the_refresh_token(
    auth_service: AuthService, fake_db: FakeDatabase, pair: TokenPair
) -> None:
    await auth_service.logout(pair.refresh_token)

    assert _stored_token(fake_db, pair.refresh_token).revoked_at is not None


async def test_refresh_after_logout_is_rejected(auth_service: AuthService, pair: TokenPair) -> None:
    await auth_service.logout(pair.refresh_token)

    with pytest.raises(AuthenticationError):
        await auth_service.refresh(pair.refresh_token)


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


async def test_authenticate_returns_the_owner_of_an_access_token(
    auth_service: AuthService, pair: TokenPair, user: User
) -> None:
    authenticated = await auth_service.authenticate(pair.access_token)

    assert authenticated.id == user.id


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
    auth_service: AuthService, codec: TokenCodec, user: User
) -> None:
    long_ago = datetime.now(UTC) - codec.lifetime("access") - timedelta(minutes=1)
    expired = codec.issue(str(user.id), "access", now=long_ago).token

    with pytest.raises(AuthenticationError):
        await auth_service.authenticate(expired)


async def test_authenticate_rejects_a_token_whose_subject_is_not_a_user_id(
    auth_service: AuthService, codec: TokenCodec
) -> None:
    token = codec.issue("not-a-number", "access").token

    with pytest.raises(AuthenticationError):
        await auth_service.authenticate(token)


async def test_authenticate_rejects_a_token_of_a_user_that_no_longer_exists(
    auth_service: AuthService, codec: TokenCodec
) -> None:
    token = codec.issue("999999", "access").token

    with pytest.raises(AuthenticationError):
        await auth_service.authenticate(token)


async def test_authenticate_rejects_a_token_of_a_deactivated_user(
    auth_service: AuthService, fake_db: FakeDatabase, pair: TokenPair, user: User
) -> None:
    assert user.id is not None
    fake_db.committed.users[user.id].is_active = False

    with pytest.raises(AuthenticationError):
        await auth_service.authenticate(pair.access_token)

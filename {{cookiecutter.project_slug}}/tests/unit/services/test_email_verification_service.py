"""EmailVerificationService: links to an address, confirmed once, asked for within limits."""

import dataclasses
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from app.core.errors import (
    BusinessRuleError,
    ConflictError,
    EmailNotVerifiedError,
    NotFoundError,
    TooManyAttemptsError,
)
from app.core.security import PasswordHasher, TokenCodec, fingerprint
from app.models.account_token import TokenPurpose
from app.models.user import User
from app.schemas.user import UserUpdateMe
from app.services.auth import AuthService
from app.services.email_verification import (
    BAD_VERIFICATION_TOKEN,
    EmailVerificationService,
    VerificationPolicy,
)
from app.services.passwords import LoginPolicy
from app.services.users import UserService
from app.utils.time import utcnow
from tests.fixtures.factories import PASSWORD, MakeUser, user_register
from tests.fixtures.fakes import FakeUnitOfWork

POLICY = VerificationPolicy(
    mode="optional",
    token_lifetime=timedelta(hours=48),
    verify_url="https://app.example.com/verify-email",
    window=timedelta(minutes=15),
    max_per_user=2,
)


@pytest.fixture
def verification(fake_uow: FakeUnitOfWork) -> EmailVerificationService:
    """EmailVerificationService on the fakes."""
    return EmailVerificationService(fake_uow, POLICY)


def _token(fake_uow: FakeUnitOfWork, index: int = -1) -> str:
    link = str(fake_uow.mails.enqueued[index].context["link"])
    assert link.startswith(f"{POLICY.verify_url}?token=")
    (token,) = parse_qs(urlsplit(link).query)["token"]
    return token


def _stored(fake_uow: FakeUnitOfWork, user: User) -> User:
    assert user.id is not None
    return fake_uow.users.rows[user.id]


async def test_registering_mails_a_link_that_verifies_the_address(
    fake_uow: FakeUnitOfWork,
    hasher: PasswordHasher,
    codec: TokenCodec,
    policy: LoginPolicy,
    verification: EmailVerificationService,
) -> None:
    auth = AuthService(fake_uow, hasher, codec, policy, POLICY)

    user = await auth.register(user_register())

    (mail,) = fake_uow.mails.enqueued
    assert (mail.template, mail.to.email, mail.context["hours"]) == (
        "verify_email",
        user.email,
        48,
    )
    (stored_token,) = fake_uow.account_tokens.rows.values()
    assert stored_token.token_hash == fingerprint(_token(fake_uow))
    assert stored_token.email == user.email
    assert user.email_verified is False
    await verification.confirm(_token(fake_uow))
    assert _stored(fake_uow, user).email_verified is True


async def test_registering_with_verification_off_mails_nothing(
    fake_uow: FakeUnitOfWork, hasher: PasswordHasher, codec: TokenCodec, policy: LoginPolicy
) -> None:
    auth = AuthService(fake_uow, hasher, codec, policy, dataclasses.replace(POLICY, mode="off"))

    await auth.register(user_register())

    assert fake_uow.mails.enqueued == []


async def test_a_link_works_once_and_a_newer_one_voids_it(
    verification: EmailVerificationService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    assert user.id is not None
    await verification.resend(user.id)
    await verification.resend(user.id)
    older, newer = _token(fake_uow, 0), _token(fake_uow, 1)

    with pytest.raises(BusinessRuleError, match=BAD_VERIFICATION_TOKEN):
        await verification.confirm(older)
    await verification.confirm(newer)
    with pytest.raises(BusinessRuleError, match=BAD_VERIFICATION_TOKEN):
        await verification.confirm(newer)


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param({"expires_at": utcnow() - timedelta(seconds=1)}, id="expired"),
        pytest.param({"purpose": TokenPurpose.PASSWORD_RESET}, id="a-reset-token"),
        pytest.param({"email": "someone-else@example.com"}, id="another-address"),
    ],
)
async def test_a_token_that_does_not_fit_gets_the_one_answer(
    verification: EmailVerificationService,
    fake_uow: FakeUnitOfWork,
    user: User,
    spoil: dict[str, object],
) -> None:
    assert user.id is not None
    await verification.resend(user.id)
    (stored,) = fake_uow.account_tokens.rows.values()
    for field, value in spoil.items():
        setattr(stored, field, value)

    with pytest.raises(BusinessRuleError, match=BAD_VERIFICATION_TOKEN):
        await verification.confirm(_token(fake_uow))
    assert _stored(fake_uow, user).email_verified is False


async def test_an_unknown_token_or_an_inactive_user_gets_the_one_answer(
    verification: EmailVerificationService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    assert user.id is not None
    await verification.resend(user.id)
    _stored(fake_uow, user).is_active = False

    for token in (_token(fake_uow), "forged"):
        with pytest.raises(BusinessRuleError, match=BAD_VERIFICATION_TOKEN):
            await verification.confirm(token)


async def test_resend_refuses_while_off_for_no_user_and_once_verified(
    fake_uow: FakeUnitOfWork, verification: EmailVerificationService, user: User
) -> None:
    assert user.id is not None
    off = EmailVerificationService(fake_uow, dataclasses.replace(POLICY, mode="off"))
    with pytest.raises(BusinessRuleError):
        await off.resend(user.id)
    with pytest.raises(NotFoundError):
        await verification.resend(user.id + 1000)
    _stored(fake_uow, user).email_verified = True
    with pytest.raises(ConflictError):
        await verification.resend(user.id)
    assert fake_uow.mails.enqueued == []


async def test_resend_is_limited_per_user(
    verification: EmailVerificationService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    assert user.id is not None
    for _ in range(POLICY.max_per_user):
        await verification.resend(user.id)

    with pytest.raises(TooManyAttemptsError) as refused:
        await verification.resend(user.id)

    assert refused.value.retry_after > 0
    assert len(fake_uow.mails.enqueued) == POLICY.max_per_user


async def test_an_email_change_takes_effect_on_confirmation_verified(
    fake_uow: FakeUnitOfWork,
    hasher: PasswordHasher,
    policy: LoginPolicy,
    verification: EmailVerificationService,
    user: User,
) -> None:
    users = UserService(fake_uow, hasher, policy, POLICY)
    await users.update_me(user, UserUpdateMe(email="new@example.com", current_password=PASSWORD))
    assert _stored(fake_uow, user).email == user.email

    await verification.confirm(_token(fake_uow, 0))

    stored = _stored(fake_uow, user)
    assert (stored.email, stored.email_verified) == ("new@example.com", True)
    assert all(token.used_at is not None for token in fake_uow.account_tokens.rows.values())


async def test_an_email_change_to_an_address_taken_meanwhile_is_a_conflict(
    fake_uow: FakeUnitOfWork,
    hasher: PasswordHasher,
    policy: LoginPolicy,
    verification: EmailVerificationService,
    user: User,
    make_user: MakeUser,
) -> None:
    users = UserService(fake_uow, hasher, policy, POLICY)
    await users.update_me(user, UserUpdateMe(email="new@example.com", current_password=PASSWORD))
    await make_user(email="new@example.com")

    with pytest.raises(ConflictError):
        await verification.confirm(_token(fake_uow, 0))
    assert _stored(fake_uow, user).email == user.email


async def test_required_verification_lets_an_unverified_user_only_sign_in(
    fake_uow: FakeUnitOfWork,
    hasher: PasswordHasher,
    codec: TokenCodec,
    policy: LoginPolicy,
    user: User,
) -> None:
    auth = AuthService(
        fake_uow, hasher, codec, policy, dataclasses.replace(POLICY, mode="required")
    )
    pair = await auth.login(user.email, PASSWORD)

    with pytest.raises(EmailNotVerifiedError):
        await auth.authenticate(pair.access_token)
    assert (await auth.authenticate(pair.access_token, unverified_ok=True)).user.id == user.id
    _stored(fake_uow, user).email_verified = True
    assert (await auth.authenticate(pair.access_token)).user.id == user.id


async def test_of_two_requests_with_one_token_only_one_confirms(
    verification: EmailVerificationService,
    fake_uow: FakeUnitOfWork,
    user: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert user.id is not None
    await verification.resend(user.id)
    (stored,) = fake_uow.account_tokens.rows.values()
    original = fake_uow.users.get

    async def get_while_another_request_uses_it(user_id: int) -> User | None:
        assert stored.id is not None
        await fake_uow.account_tokens.use(stored.id, utcnow())
        return await original(user_id)

    monkeypatch.setattr(fake_uow.users, "get", get_while_another_request_uses_it)

    with pytest.raises(BusinessRuleError, match=BAD_VERIFICATION_TOKEN):
        await verification.confirm(_token(fake_uow))
    assert _stored(fake_uow, user).email_verified is False

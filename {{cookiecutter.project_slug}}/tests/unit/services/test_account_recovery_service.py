"""AccountRecoveryService: a link for active accounts only, single use, limited requests."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from app.core.config import Settings
from app.core.errors import BusinessRuleError, TooManyAttemptsError
from app.core.security import PasswordHasher, fingerprint
from app.models.account_token import AccountToken, TokenPurpose
from app.models.auth_session import AuthSession
from app.models.user import User
from app.services.account_recovery import (
    BAD_RESET_TOKEN,
    AccountRecoveryService,
    RecoveryPolicy,
)
from app.utils.time import utcnow
from tests.fixtures.factories import MakeUser
from tests.fixtures.fakes import FakeUnitOfWork

POLICY = RecoveryPolicy(
    token_lifetime=timedelta(minutes=30),
    reset_url="https://app.example.com/reset-password",
    window=timedelta(minutes=15),
    max_per_email=3,
    max_per_address=5,
)
NEW_PASSWORD = "a-new-passw0rd"


@pytest.fixture
def recovery(fake_uow: FakeUnitOfWork, hasher: PasswordHasher) -> AccountRecoveryService:
    """AccountRecoveryService on the fakes."""
    return AccountRecoveryService(fake_uow, hasher, POLICY)


def _token_of_last_mail(fake_uow: FakeUnitOfWork) -> str:
    link = str(fake_uow.mails.enqueued[-1].context["link"])
    assert link.startswith(f"{POLICY.reset_url}?token=")
    (token,) = parse_qs(urlsplit(link).query)["token"]
    return token


async def test_an_active_account_gets_a_link_whose_token_is_stored_hashed(
    recovery: AccountRecoveryService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    await recovery.request_reset(user.email.upper(), "203.0.113.1")

    (mail,) = fake_uow.mails.enqueued
    assert (mail.to.email, mail.template, mail.context["minutes"]) == (
        user.email,
        "password_reset",
        30,
    )
    token = _token_of_last_mail(fake_uow)
    assert len(token) >= 43  # 32 random bytes
    (stored,) = fake_uow.account_tokens.rows.values()
    assert (stored.user_id, stored.purpose, stored.token_hash) == (
        user.id,
        TokenPurpose.PASSWORD_RESET,
        fingerprint(token),
    )
    assert fake_uow.committed


async def test_no_account_or_an_inactive_one_gets_nothing(
    recovery: AccountRecoveryService, fake_uow: FakeUnitOfWork, make_user: MakeUser
) -> None:
    inactive = await make_user(is_active=False)

    await recovery.request_reset("nobody@example.com", "203.0.113.1")
    await recovery.request_reset(inactive.email, "203.0.113.1")

    assert fake_uow.mails.enqueued == []
    assert fake_uow.account_tokens.rows == {}


async def test_a_new_link_supersedes_the_older_one(
    recovery: AccountRecoveryService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    await recovery.request_reset(user.email, "203.0.113.1")
    older = _token_of_last_mail(fake_uow)
    await recovery.request_reset(user.email, "203.0.113.1")

    with pytest.raises(BusinessRuleError, match=BAD_RESET_TOKEN):
        await recovery.reset_password(older, NEW_PASSWORD)
    await recovery.reset_password(_token_of_last_mail(fake_uow), NEW_PASSWORD)


@pytest.mark.parametrize(("email_limit", "address_limit"), [(3, 100), (100, 3)])
async def test_requests_over_a_limit_wait_whether_or_not_the_account_exists(
    fake_uow: FakeUnitOfWork, hasher: PasswordHasher, email_limit: int, address_limit: int
) -> None:
    policy = RecoveryPolicy(
        token_lifetime=POLICY.token_lifetime,
        reset_url=POLICY.reset_url,
        window=POLICY.window,
        max_per_email=email_limit,
        max_per_address=address_limit,
    )
    recovery = AccountRecoveryService(fake_uow, hasher, policy)
    for _ in range(3):
        await recovery.request_reset("nobody@example.com", "203.0.113.1")

    with pytest.raises(TooManyAttemptsError) as refused:
        await recovery.request_reset("nobody@example.com", "203.0.113.1")

    assert 0 < refused.value.retry_after <= POLICY.window.total_seconds()


async def test_the_address_limit_counts_requests_for_any_email(
    recovery: AccountRecoveryService,
) -> None:
    for number in range(POLICY.max_per_address):
        await recovery.request_reset(f"user{number}@example.com", "203.0.113.1")

    with pytest.raises(TooManyAttemptsError):
        await recovery.request_reset("someone.else@example.com", "203.0.113.1")
    await recovery.request_reset("someone.else@example.com", "198.51.100.7")


async def test_a_reset_sets_the_password_ends_every_session_and_sends_a_notice(
    recovery: AccountRecoveryService,
    fake_uow: FakeUnitOfWork,
    hasher: PasswordHasher,
    user: User,
) -> None:
    now = utcnow()
    await fake_uow.auth_sessions.add(
        AuthSession(user_id=user.id, refresh_token_hash="h" * 64, expires_at=now + timedelta(1))
    )
    version = user.token_version
    await recovery.request_reset(user.email, "203.0.113.1")

    await recovery.reset_password(_token_of_last_mail(fake_uow), NEW_PASSWORD)

    assert await hasher.verify(NEW_PASSWORD, user.hashed_password)
    assert user.token_version == version + 1
    assert all(s.revoked_at is not None for s in fake_uow.auth_sessions.rows.values())
    assert [mail.template for mail in fake_uow.mails.enqueued] == [
        "password_reset",
        "password_changed",
    ]


async def test_a_token_works_once(
    recovery: AccountRecoveryService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    await recovery.request_reset(user.email, "203.0.113.1")
    token = _token_of_last_mail(fake_uow)
    await recovery.reset_password(token, NEW_PASSWORD)

    with pytest.raises(BusinessRuleError, match=BAD_RESET_TOKEN):
        await recovery.reset_password(token, "another-passw0rd")


def _stored_token(user: User, value: str, **fields: object) -> AccountToken:
    values: dict[str, object] = {
        "user_id": user.id,
        "purpose": TokenPurpose.PASSWORD_RESET,
        "token_hash": fingerprint(value),
        "expires_at": utcnow() + timedelta(minutes=5),
    }
    return AccountToken(**(values | fields))


@pytest.mark.parametrize(
    "fields",
    [
        {"expires_at": utcnow() - timedelta(seconds=1)},
        {"used_at": utcnow() - timedelta(minutes=1)},
    ],
    ids=["expired", "used"],
)
async def test_an_expired_or_used_token_is_refused(
    recovery: AccountRecoveryService,
    fake_uow: FakeUnitOfWork,
    user: User,
    fields: dict[str, object],
) -> None:
    await fake_uow.account_tokens.add(_stored_token(user, "t" * 43, **fields))

    with pytest.raises(BusinessRuleError, match=BAD_RESET_TOKEN):
        await recovery.reset_password("t" * 43, NEW_PASSWORD)


async def test_an_unknown_token_is_refused(recovery: AccountRecoveryService) -> None:
    with pytest.raises(BusinessRuleError, match=BAD_RESET_TOKEN):
        await recovery.reset_password("no-such-token", NEW_PASSWORD)


async def test_the_token_of_a_user_deactivated_since_is_refused(
    recovery: AccountRecoveryService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    await fake_uow.account_tokens.add(_stored_token(user, "t" * 43))
    user.is_active = False

    with pytest.raises(BusinessRuleError, match=BAD_RESET_TOKEN):
        await recovery.reset_password("t" * 43, NEW_PASSWORD)


async def test_a_token_used_by_a_concurrent_request_is_refused(
    recovery: AccountRecoveryService,
    fake_uow: FakeUnitOfWork,
    user: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = await fake_uow.account_tokens.add(_stored_token(user, "t" * 43))
    original = fake_uow.users.get

    async def get_while_another_request_uses_it(user_id: int) -> User | None:
        assert token.id is not None
        await fake_uow.account_tokens.use(token.id, utcnow())
        return await original(user_id)

    monkeypatch.setattr(fake_uow.users, "get", get_while_another_request_uses_it)

    with pytest.raises(BusinessRuleError, match=BAD_RESET_TOKEN):
        await recovery.reset_password("t" * 43, NEW_PASSWORD)


async def test_a_limit_whose_lock_has_run_out_lets_requests_through(
    recovery: AccountRecoveryService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    for _ in range(POLICY.max_per_email):
        await recovery.request_reset(user.email, "203.0.113.1")
    for throttle in fake_uow.login_throttles.rows.values():
        if throttle.locked_until is not None:
            throttle.locked_until = utcnow() - timedelta(seconds=1)

    await recovery.request_reset(user.email, "203.0.113.1")

    assert len(fake_uow.mails.enqueued) == POLICY.max_per_email + 1


def test_the_policy_follows_the_settings(settings: Settings) -> None:
    policy = RecoveryPolicy.from_settings(settings)

    assert policy == RecoveryPolicy(
        token_lifetime=timedelta(minutes=settings.PASSWORD_RESET_EXPIRE_MINUTES),
        reset_url=f"{str(settings.FRONTEND_URL).rstrip('/')}/reset-password",
        window=timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES),
        max_per_email=settings.PASSWORD_RECOVERY_MAX_PER_EMAIL,
        max_per_address=settings.PASSWORD_RECOVERY_MAX_PER_ADDRESS,
    )

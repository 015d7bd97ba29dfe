"""PasswordGuard: password checks, failures counted per email, lockout and its end."""

from datetime import timedelta

import pytest

from app.core.config import Settings
from app.core.errors import TooManyAttemptsError
from app.core.security import PasswordHasher, fingerprint
from app.models.login_throttle import LoginThrottle
from app.models.user import User
from app.services.passwords import LOCKED_OUT, LoginPolicy, PasswordGuard
from app.utils.time import utcnow
from tests.fixtures.factories import PASSWORD, MakeUser
from tests.fixtures.fakes import FakeUnitOfWork

WRONG = "wrong-password-1"
UNKNOWN = "nobody@example.com"


@pytest.fixture
def guard(fake_uow: FakeUnitOfWork, hasher: PasswordHasher, policy: LoginPolicy) -> PasswordGuard:
    """A guard on the fakes, with the test settings' policy."""
    return PasswordGuard(fake_uow, hasher, policy)


@pytest.fixture
def hash_calls(hasher: PasswordHasher, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passwords the hasher verifies from now on."""
    calls: list[str] = []
    verify = hasher.verify

    async def spy(password: str, hashed: str | None) -> bool:
        calls.append(password)
        return await verify(password, hashed)

    monkeypatch.setattr(hasher, "verify", spy)
    return calls


def _throttle(fake_uow: FakeUnitOfWork, email: str) -> LoginThrottle | None:
    key = fingerprint(email)
    rows = fake_uow.login_throttles.rows.values()
    return next((row for row in rows if row.key_hash == key), None)


async def _fail(guard: PasswordGuard, email: str, times: int, user: User | None = None) -> None:
    for _ in range(times):
        assert await guard.verify(email, WRONG, user) is None


# ---------------------------------------------------------------- verifying


async def test_the_right_password_of_an_active_user_returns_the_user(
    guard: PasswordGuard, user: User
) -> None:
    assert await guard.verify(user.email, PASSWORD, user) is user


async def test_a_wrong_password_returns_none(guard: PasswordGuard, user: User) -> None:
    assert await guard.verify(user.email, WRONG, user) is None


async def test_an_unknown_email_returns_none_after_hashing_all_the_same(
    guard: PasswordGuard, hash_calls: list[str]
) -> None:
    assert await guard.verify(UNKNOWN, PASSWORD, None) is None

    assert hash_calls == [PASSWORD]


async def test_the_right_password_of_an_inactive_user_returns_none(
    guard: PasswordGuard, make_user: MakeUser
) -> None:
    inactive = await make_user(is_active=False)

    assert await guard.verify(inactive.email, PASSWORD, inactive) is None


async def test_a_password_longer_than_the_maximum_fails_without_being_hashed(
    guard: PasswordGuard, policy: LoginPolicy, user: User, hash_calls: list[str]
) -> None:
    huge = PASSWORD + "x" * policy.max_password_length

    assert await guard.verify(user.email, huge, user) is None

    assert hash_calls == []


# ---------------------------------------------------------------- counting


async def test_a_failure_is_counted_under_the_hash_of_the_email_only_and_committed(
    guard: PasswordGuard, fake_uow: FakeUnitOfWork, user: User
) -> None:
    fake_uow.committed = False

    await _fail(guard, user.email, 2, user)

    throttle = _throttle(fake_uow, user.email)
    assert throttle is not None
    assert throttle.failures == 2
    assert user.email not in throttle.model_dump_json()
    assert fake_uow.committed


async def test_failures_of_an_email_without_an_account_count_too(
    guard: PasswordGuard, fake_uow: FakeUnitOfWork
) -> None:
    await _fail(guard, UNKNOWN, 3)

    throttle = _throttle(fake_uow, UNKNOWN)
    assert throttle is not None
    assert throttle.failures == 3


async def test_a_password_too_long_to_hash_counts_as_a_failure(
    guard: PasswordGuard, fake_uow: FakeUnitOfWork, policy: LoginPolicy, user: User
) -> None:
    await guard.verify(user.email, "x" * (policy.max_password_length + 1), user)

    throttle = _throttle(fake_uow, user.email)
    assert throttle is not None
    assert throttle.failures == 1


async def test_a_success_forgets_the_failures_before_it_and_commits(
    guard: PasswordGuard, fake_uow: FakeUnitOfWork, user: User
) -> None:
    await _fail(guard, user.email, 2, user)
    fake_uow.committed = False

    await guard.verify(user.email, PASSWORD, user)

    assert _throttle(fake_uow, user.email) is None
    assert fake_uow.committed


async def test_a_success_without_failures_writes_nothing(
    guard: PasswordGuard, fake_uow: FakeUnitOfWork, user: User
) -> None:
    fake_uow.committed = False

    await guard.verify(user.email, PASSWORD, user)

    assert not fake_uow.login_throttles.rows
    assert fake_uow.committed is False


async def test_failures_from_before_the_window_are_forgotten(
    guard: PasswordGuard, fake_uow: FakeUnitOfWork, policy: LoginPolicy, user: User
) -> None:
    await _fail(guard, user.email, policy.max_failures - 1, user)
    throttle = _throttle(fake_uow, user.email)
    assert throttle is not None
    throttle.window_started_at -= policy.failure_window + timedelta(seconds=1)

    await _fail(guard, user.email, 1, user)

    throttle = _throttle(fake_uow, user.email)
    assert throttle is not None
    assert throttle.failures == 1
    assert throttle.locked_until is None


# ---------------------------------------------------------------- lockout


async def test_the_last_failure_allowed_locks_the_email_for_the_lockout(
    guard: PasswordGuard, policy: LoginPolicy, user: User
) -> None:
    await _fail(guard, user.email, policy.max_failures, user)

    with pytest.raises(TooManyAttemptsError) as caught:
        await guard.verify(user.email, WRONG, user)

    assert caught.value.detail == LOCKED_OUT
    lockout = policy.lockout.total_seconds()
    assert lockout - 5 <= caught.value.retry_after <= lockout


async def test_one_failure_fewer_does_not_lock(
    guard: PasswordGuard, policy: LoginPolicy, user: User
) -> None:
    await _fail(guard, user.email, policy.max_failures - 1, user)

    assert await guard.verify(user.email, PASSWORD, user) is user


async def test_a_locked_email_refuses_even_the_right_password_without_hashing_or_writing(
    guard: PasswordGuard,
    fake_uow: FakeUnitOfWork,
    policy: LoginPolicy,
    user: User,
    hash_calls: list[str],
) -> None:
    await _fail(guard, user.email, policy.max_failures, user)
    hash_calls.clear()
    fake_uow.committed = False

    with pytest.raises(TooManyAttemptsError):
        await guard.verify(user.email, PASSWORD, user)

    assert hash_calls == []
    assert fake_uow.committed is False


async def test_an_email_without_an_account_locks_the_same_way(
    guard: PasswordGuard, policy: LoginPolicy
) -> None:
    await _fail(guard, UNKNOWN, policy.max_failures)

    with pytest.raises(TooManyAttemptsError) as caught:
        await guard.verify(UNKNOWN, WRONG, None)

    assert caught.value.detail == LOCKED_OUT


async def test_a_lock_ends_after_the_lockout(
    guard: PasswordGuard, fake_uow: FakeUnitOfWork, policy: LoginPolicy, user: User
) -> None:
    await _fail(guard, user.email, policy.max_failures, user)
    throttle = _throttle(fake_uow, user.email)
    assert throttle is not None and throttle.locked_until is not None
    throttle.locked_until = utcnow() - timedelta(seconds=1)

    assert await guard.verify(user.email, PASSWORD, user) is user
    assert _throttle(fake_uow, user.email) is None


async def test_after_a_lock_the_count_starts_again(
    guard: PasswordGuard, fake_uow: FakeUnitOfWork, policy: LoginPolicy, user: User
) -> None:
    await _fail(guard, user.email, policy.max_failures, user)
    throttle = _throttle(fake_uow, user.email)
    assert throttle is not None and throttle.locked_until is not None
    throttle.locked_until = utcnow() - timedelta(seconds=1)

    await _fail(guard, user.email, 1, user)

    throttle = _throttle(fake_uow, user.email)
    assert throttle is not None
    assert throttle.failures == 1


async def test_a_lock_of_one_email_leaves_others_alone(
    guard: PasswordGuard, policy: LoginPolicy, user: User
) -> None:
    await _fail(guard, UNKNOWN, policy.max_failures)

    assert await guard.verify(user.email, PASSWORD, user) is user


# ---------------------------------------------------------------- policy


def test_the_policy_comes_from_the_settings() -> None:
    settings = Settings(
        _env_file=None,
        LOGIN_MAX_FAILURES=3,
        LOGIN_FAILURE_WINDOW_MINUTES=10,
        LOGIN_LOCKOUT_MINUTES=30,
        PASSWORD_MAX_LENGTH=64,
    )

    assert LoginPolicy.from_settings(settings) == LoginPolicy(
        max_failures=3,
        failure_window=timedelta(minutes=10),
        lockout=timedelta(minutes=30),
        max_password_length=64,
    )

"""HousekeepingService: what has ended goes, what may still matter stays."""

from datetime import timedelta

from app.core.config import Settings
from app.models.account_token import AccountToken, TokenPurpose
from app.models.auth_session import AuthSession
from app.models.login_throttle import LoginThrottle
from app.services.housekeeping import HousekeepingService, Purged, Retention
from app.utils.time import utcnow
from tests.fixtures.fakes import FakeUnitOfWork

RETENTION = Retention(login_failure_window=timedelta(minutes=15), mails=timedelta(days=30))


def _session(**fields: object) -> AuthSession:
    values: dict[str, object] = {"user_id": 1, "refresh_token_hash": "h" * 64}
    return AuthSession(**(values | fields))


async def test_purge_deletes_what_ended_and_keeps_the_rest(fake_uow: FakeUnitOfWork) -> None:
    now = utcnow()
    await fake_uow.auth_sessions.add(_session(expires_at=now - timedelta(seconds=1)))
    await fake_uow.auth_sessions.add(
        _session(expires_at=now + timedelta(days=1), revoked_at=now - timedelta(seconds=1))
    )
    live = await fake_uow.auth_sessions.add(_session(expires_at=now + timedelta(days=1)))
    await fake_uow.login_throttles.add(
        LoginThrottle(key_hash="a" * 64, window_started_at=now - timedelta(hours=1))
    )
    locked = await fake_uow.login_throttles.add(
        LoginThrottle(
            key_hash="b" * 64,
            window_started_at=now - timedelta(hours=1),
            locked_until=now + timedelta(minutes=5),
        )
    )

    purged = await HousekeepingService(fake_uow, RETENTION).purge()

    assert purged == Purged(sessions=2, login_throttles=1, account_tokens=0, mails=0)
    assert list(fake_uow.auth_sessions.rows.values()) == [live]
    assert list(fake_uow.login_throttles.rows.values()) == [locked]
    assert fake_uow.committed


async def test_purge_deletes_used_and_expired_account_tokens(fake_uow: FakeUnitOfWork) -> None:
    now = utcnow()
    for number, fields in enumerate(
        [
            {"expires_at": now + timedelta(minutes=5), "used_at": now - timedelta(seconds=1)},
            {"expires_at": now - timedelta(seconds=1)},
            {"expires_at": now + timedelta(minutes=5)},
        ]
    ):
        await fake_uow.account_tokens.add(
            AccountToken(
                user_id=1,
                purpose=TokenPurpose.PASSWORD_RESET,
                token_hash=f"{number}" * 64,
                **fields,
            )
        )

    purged = await HousekeepingService(fake_uow, RETENTION).purge()

    assert purged.account_tokens == 2
    assert [token.token_hash for token in fake_uow.account_tokens.rows.values()] == ["2" * 64]


async def test_purge_keeps_mails_for_the_retention(fake_uow: FakeUnitOfWork) -> None:
    before = utcnow()

    await HousekeepingService(fake_uow, RETENTION).purge()

    cut_off = fake_uow.mails.purged_before
    assert cut_off is not None
    assert before - RETENTION.mails <= cut_off <= utcnow() - RETENTION.mails


def test_the_retention_follows_the_settings(settings: Settings) -> None:
    retention = Retention.from_settings(settings)

    assert retention.login_failure_window == timedelta(
        minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES
    )
    assert retention.mails == timedelta(days=settings.MAIL_KEEP_DAYS)

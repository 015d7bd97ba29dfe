"""SqlMailOutboxRepository on the test database: enqueued with the transaction, claimed by
one worker at a time, finished with the reason kept and the context forgotten."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.mail import MailStatus, OutboxMail
from app.repositories.sql.database import get_session_factory
from app.repositories.sql.mails import SqlMailOutboxRepository
from app.repositories.sql.unit_of_work import SqlUnitOfWork
from app.schemas.mail import Mail, Recipient
from tests.fixtures.db import count, fetch

NOW = datetime(2030, 1, 1, tzinfo=UTC)
LATER = NOW + timedelta(minutes=1)
MAIL = Mail(
    to=Recipient(email="ann@example.com", name="Ann"),
    template="mail_check",
    context={"requested_at": "soon", "link": "https://app.example.com/reset?token=t0ken"},
)


@pytest.fixture
def mails(session: AsyncSession) -> SqlMailOutboxRepository:
    """The repository under test, on the test session."""
    return SqlMailOutboxRepository(session)


async def _enqueued(**overrides: object) -> OutboxMail:
    """A committed mail, due at NOW, changed by `overrides`."""
    uow = SqlUnitOfWork(get_session_factory())
    async with uow:
        mail_id = await uow.mails.enqueue(MAIL)
        mail = await uow.mails.get(mail_id)
        assert mail is not None
        for name, value in ({"next_attempt_at": NOW} | overrides).items():
            setattr(mail, name, value)
        await uow.commit()
    return mail


async def test_a_committed_mail_is_stored_pending_with_its_context() -> None:
    uow = SqlUnitOfWork(get_session_factory())
    async with uow:
        mail_id = await uow.mails.enqueue(MAIL)
        await uow.commit()

    stored = await fetch(OutboxMail, mail_id)
    assert stored is not None
    assert (stored.to_email, stored.to_name, stored.template) == (
        "ann@example.com",
        "Ann",
        MAIL.template,
    )
    assert stored.context == MAIL.context
    assert (stored.status, stored.attempts, stored.last_error) == (MailStatus.PENDING, 0, None)


async def test_a_mail_of_a_transaction_that_rolls_back_is_not_stored() -> None:
    uow = SqlUnitOfWork(get_session_factory())
    async with uow:
        await uow.mails.enqueue(MAIL)

    assert await count(OutboxMail) == 0


async def test_due_lists_open_mails_whose_time_has_come_oldest_first(
    mails: SqlMailOutboxRepository,
) -> None:
    later = await _enqueued(next_attempt_at=NOW - timedelta(seconds=1))
    first = await _enqueued(next_attempt_at=NOW - timedelta(seconds=2))
    await _enqueued(next_attempt_at=LATER)
    await _enqueued(status=MailStatus.SENT)
    claimed_by_a_dead_worker = await _enqueued(status=MailStatus.SENDING)

    assert list(await mails.due(NOW, 10)) == [first.id, later.id, claimed_by_a_dead_worker.id]
    assert list(await mails.due(NOW, 1)) == [first.id]


async def test_a_claim_counts_the_attempt_and_holds_the_mail_until_it_runs_out(
    mails: SqlMailOutboxRepository,
) -> None:
    mail = await _enqueued()

    claimed = await mails.claim(mail.id, NOW, until=LATER)

    assert claimed is not None
    assert (claimed.status, claimed.attempts, claimed.next_attempt_at) == (
        MailStatus.SENDING,
        1,
        LATER,
    )
    assert await mails.claim(mail.id, NOW, until=LATER) is None
    again = await mails.claim(mail.id, LATER, until=LATER + timedelta(minutes=1))
    assert again is not None and again.attempts == 2


@pytest.mark.parametrize("status", [MailStatus.SENT, MailStatus.FAILED])
async def test_a_finished_mail_cannot_be_claimed(
    mails: SqlMailOutboxRepository, status: MailStatus
) -> None:
    mail = await _enqueued(status=status)

    assert await mails.claim(mail.id, LATER, until=LATER) is None


async def test_of_two_workers_claiming_a_mail_at_once_one_gets_it() -> None:
    mail = await _enqueued()

    async def claim() -> bool:
        uow = SqlUnitOfWork(get_session_factory())
        async with uow:
            claimed = await uow.mails.claim(mail.id, NOW, until=LATER)
            await uow.commit()
        return claimed is not None

    assert sorted(await asyncio.gather(*(claim() for _ in range(4)))) == [False] * 3 + [True]


async def test_a_sent_mail_forgets_its_context(
    mails: SqlMailOutboxRepository, session: AsyncSession
) -> None:
    mail = await _enqueued()

    await mails.record_sent(mail.id, LATER)
    await session.commit()

    stored = await fetch(OutboxMail, mail.id)
    assert stored is not None
    assert (stored.status, stored.sent_at, stored.context) == (MailStatus.SENT, LATER, None)


async def test_a_failure_keeps_the_reason_and_the_next_time_or_gives_up(
    mails: SqlMailOutboxRepository, session: AsyncSession
) -> None:
    retried, given_up = await _enqueued(), await _enqueued()

    await mails.record_failure(retried.id, "SMTPConnectError: refused", LATER)
    await mails.record_failure(given_up.id, "x" * 600, None)
    await session.commit()

    again = await fetch(OutboxMail, retried.id)
    assert again is not None
    assert (again.status, again.next_attempt_at, again.last_error) == (
        MailStatus.PENDING,
        LATER,
        "SMTPConnectError: refused",
    )
    assert again.context == MAIL.context
    failed = await fetch(OutboxMail, given_up.id)
    assert failed is not None
    assert (failed.status, failed.last_error, failed.context) == (
        MailStatus.FAILED,
        "x" * 500,
        None,
    )


async def test_purge_deletes_finished_mails_older_than_the_cut_off(
    mails: SqlMailOutboxRepository, session: AsyncSession
) -> None:
    sent, failed = await _enqueued(status=MailStatus.SENT), await _enqueued(
        status=MailStatus.FAILED
    )
    pending = await _enqueued()

    assert await mails.purge(datetime.now(UTC) + timedelta(seconds=1)) == 2
    await session.commit()

    assert await fetch(OutboxMail, sent.id) is None
    assert await fetch(OutboxMail, failed.id) is None
    assert await fetch(OutboxMail, pending.id) is not None
    assert await mails.purge(NOW) == 0

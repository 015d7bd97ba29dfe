"""Several workers and a worker that dies: every committed mail is sent, once under normal
operation, at least once (with the same Message-ID) when a worker is killed while sending."""

import asyncio
import contextlib
import signal
from collections import Counter

import pytest

from app.core.config import Settings
from app.jobs.{{ cookiecutter.database }}_worker import run_worker
from app.mail.messages import message_id
from app.models.mail import MailStatus
from tests.fixtures.outbox import enqueue_test_mails, outbox
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.workers import start_worker


async def test_two_workers_deliver_each_of_100_mails_exactly_once(
    smtp_server: SmtpServer, mail_settings: Settings
) -> None:
    await enqueue_test_mails(100)

    async with asyncio.timeout(60):
        await asyncio.gather(
            *(
                run_worker(mail_settings, concurrency=4, wait=False, install_signal_handlers=False)
                for _ in range(2)
            )
        )

    mails = await outbox()
    sent = Counter(received.message["Message-ID"] for received in smtp_server.received)
    assert sorted(sent.values()) == [1] * 100
    assert set(sent) == {message_id(mail, mail_settings) for mail in mails}
    assert {(mail.status, mail.attempts) for mail in mails} == {(MailStatus.SENT, 1)}


async def test_a_worker_killed_while_sending_loses_no_mail(
    smtp_server: SmtpServer, mail_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The killed worker's mails are due again when its claims run out, at twice the SMTP
    # timeout: the survivor waits that long. A second is still over three sends' time.
    monkeypatch.setattr(mail_settings, "SMTP_TIMEOUT_SECONDS", 1.0)
    await enqueue_test_mails(20)
    smtp_server.delay = 0.3  # each mail is accepted 0.3 s after it arrived: kills land mid-send
    worker = await start_worker(mail_settings, "--concurrency", "2")
    try:
        await smtp_server.wait_for(3, seconds=30)
    finally:
        worker.send_signal(signal.SIGKILL)
        _, errors = await worker.communicate()
    assert worker.returncode == -signal.SIGKILL, errors.decode()
    arrived_before_the_kill = len(smtp_server.received)

    smtp_server.delay = 0
    survivor = asyncio.create_task(
        run_worker(mail_settings, concurrency=4, install_signal_handlers=False)
    )
    try:
        async with asyncio.timeout(30):
            while True:
                if {mail.status for mail in await outbox()} == {MailStatus.SENT}:
                    break
                await asyncio.sleep(0.1)
    finally:
        survivor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await survivor

    mails = await outbox()
    sent = Counter(received.message["Message-ID"] for received in smtp_server.received)
    assert set(sent) == {message_id(mail, mail_settings) for mail in mails}
    assert 3 <= arrived_before_the_kill < 20
    # A mail the killed worker was sending may have arrived twice, with one Message-ID.
    assert sum(sent.values()) - len(sent) <= 2

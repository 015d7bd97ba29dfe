"""Worker processes on PostgreSQL, as they run on several machines: procrastinate hands each
mail's job to one of them, and a stop (SIGTERM) lets the jobs under way finish."""

import asyncio
import signal
from collections import Counter

from app.core.config import Settings
from app.mail.messages import message_id
from app.models.mail import MailStatus
from tests.fixtures.outbox import enqueue_test_mails, outbox
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.workers import start_worker


async def test_two_worker_processes_deliver_each_of_100_mails_exactly_once(
    smtp_server: SmtpServer, mail_settings: Settings
) -> None:
    await enqueue_test_mails(100)
    workers = [await start_worker(mail_settings, "--concurrency", "4") for _ in range(2)]
    try:
        await smtp_server.wait_for(100, seconds=60)
        await asyncio.sleep(0.5)  # time for a second copy of any mail to arrive
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        outputs = [await worker.communicate() for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0], outputs
    mails = await outbox()
    sent = Counter(received.message["Message-ID"] for received in smtp_server.received)
    assert sorted(sent.values()) == [1] * 100
    assert set(sent) == {message_id(mail, mail_settings) for mail in mails}
    assert {(mail.status, mail.attempts) for mail in mails} == {(MailStatus.SENT, 1)}

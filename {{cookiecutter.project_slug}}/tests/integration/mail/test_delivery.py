"""Mail end to end on the test database and a real SMTP server: asked for in a use case's
transaction, delivered by the jobs after the commit, kept while the server is away, given up
with its reason, and never shown whole in a log line."""

import asyncio
import base64
import logging
from collections.abc import Callable
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from app.core.config import Settings
from app.mail.messages import message_id
from app.main import create_app
from app.models.mail import MailStatus, OutboxMail
from app.repositories.sql.database import get_session_factory
from app.repositories.sql.unit_of_work import SqlUnitOfWork
from app.schemas.mail import Mail, Recipient
from app.services.mail_check import TEMPLATE, MailCheckService
from tests.fixtures.db import count, fetch
from tests.fixtures.smtp import RunJobs, SmtpServer

# Shaped like the single-use links the account mails carry.
TOKEN = "tok-" + "Q" * 40


async def _request(address: str = "ann@example.com") -> int:
    """The test mail, asked for by its use case, which commits."""
    return await MailCheckService(SqlUnitOfWork(get_session_factory())).request(address)


async def _enqueue(mail: Mail) -> int:
    uow = SqlUnitOfWork(get_session_factory())
    async with uow:
        mail_id = await uow.mails.enqueue(mail)
        await uow.commit()
    return mail_id


async def _stored(mail_id: int) -> OutboxMail:
    mail = await fetch(OutboxMail, mail_id)
    assert mail is not None
    return mail


async def _work_until(run_jobs: RunJobs, done: Callable[[], object], seconds: float = 10) -> None:
    """Run the jobs again and again until `done()` holds; fail after `seconds`."""
    async with asyncio.timeout(seconds):
        while True:
            await run_jobs()
            if done():
                return
            await asyncio.sleep(0.05)


async def test_a_requested_mail_arrives_once_the_jobs_run(
    smtp_server: SmtpServer, run_jobs: RunJobs, mail_settings: Settings
) -> None:
    mail_id = await _request()
    assert smtp_server.received == []  # nothing is sent inside the use case

    await run_jobs()

    (received,) = smtp_server.received
    stored = await _stored(mail_id)
    assert (received.sender, received.recipients) == (
        mail_settings.EMAILS_FROM_EMAIL,
        ["ann@example.com"],
    )
    assert received.message["Message-ID"] == message_id(stored, mail_settings)
    assert received.message["Subject"] == f"Test mail from {mail_settings.PROJECT_NAME}"
    assert "It came through" in received.text and "It came through" in received.html
    assert (stored.status, stored.attempts, stored.context) == (MailStatus.SENT, 1, None)
    assert stored.sent_at is not None


async def test_a_name_with_line_breaks_reaches_its_recipient_only_and_as_text(
    smtp_server: SmtpServer, run_jobs: RunJobs
) -> None:
    name = "Eve\r\nBcc: victim@example.com\r\nSubject: forged"
    await _enqueue(
        Mail(
            to=Recipient(email="eve@example.com", name=name),
            template=TEMPLATE,
            context={"requested_at": "now"},
        )
    )

    await run_jobs()

    (received,) = smtp_server.received
    assert received.recipients == ["eve@example.com"]
    assert received.message["Bcc"] is None
    assert received.message.get_all("Subject") == ["Test mail from My Backend"]
    (address,) = received.message["To"].addresses
    assert (address.display_name, address.addr_spec) == (
        "Eve Bcc: victim@example.com Subject: forged",
        "eve@example.com",
    )


async def test_a_use_case_that_rolls_back_sends_nothing(
    smtp_server: SmtpServer, run_jobs: RunJobs
) -> None:
    uow = SqlUnitOfWork(get_session_factory())
    with pytest.raises(RuntimeError):
        async with uow:
            await uow.mails.enqueue(Mail(to=Recipient(email="ann@example.com"), template=TEMPLATE))
            raise RuntimeError("the use case fails after asking for its mail")

    await run_jobs()

    assert await count(OutboxMail) == 0
    assert smtp_server.received == []


async def test_while_the_smtp_server_is_down_the_mail_waits_then_arrives(
    smtp_server: SmtpServer, run_jobs: RunJobs, caplog: pytest.LogCaptureFixture
) -> None:
    await smtp_server.stop()
    mail_id = await _request()

    await run_jobs()

    waiting = await _stored(mail_id)
    assert waiting.status == MailStatus.PENDING and waiting.attempts >= 1
    assert waiting.last_error and "SMTPConnect" in waiting.last_error
    assert waiting.context is not None
    assert f"mail {mail_id} (mail_check) to ann@example.com failed, attempt 1 of 10" in caplog.text

    await smtp_server.start()
    await _work_until(run_jobs, lambda: smtp_server.received)

    assert len(smtp_server.received) == 1
    assert (await _stored(mail_id)).status == MailStatus.SENT


async def test_after_its_last_attempt_a_mail_is_given_up_with_the_reason(
    smtp_server: SmtpServer,
    run_jobs: RunJobs,
    mail_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(mail_settings, "MAIL_MAX_ATTEMPTS", 2)
    await smtp_server.stop()
    mail_id = await _request()

    await _work_until(run_jobs, lambda: "given up" in caplog.text)

    failed = await _stored(mail_id)
    assert (failed.status, failed.attempts, failed.context) == (MailStatus.FAILED, 2, None)
    assert failed.last_error and failed.last_error.startswith("SMTPConnectError")
    (line,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert line.getMessage().startswith(
        f"mail {mail_id} (mail_check) to ann@example.com given up after 2 of 2 attempts: SMTPConnectError"
    )


async def test_a_recipient_the_server_refuses_is_given_up_at_once(
    smtp_server: SmtpServer, run_jobs: RunJobs
) -> None:
    smtp_server.refused.add("gone@example.com")
    mail_id = await _request("gone@example.com")

    await run_jobs()

    failed = await _stored(mail_id)
    assert (failed.status, failed.attempts) == (MailStatus.FAILED, 1)
    assert failed.last_error and "550" in failed.last_error


async def test_a_mail_whose_template_is_missing_is_given_up_at_once(
    smtp_server: SmtpServer, run_jobs: RunJobs
) -> None:
    mail_id = await _enqueue(Mail(to=Recipient(email="ann@example.com"), template="no_such_mail"))

    await run_jobs()

    failed = await _stored(mail_id)
    assert (failed.status, failed.attempts) == (MailStatus.FAILED, 1)
    assert failed.last_error
    assert failed.last_error.startswith("TemplateNotFound: 'no_such_mail.subject.txt' not found")
    assert smtp_server.received == []


async def test_without_an_smtp_host_each_mail_is_a_file_and_a_log_line(
    run_jobs: RunJobs,
    mail_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(mail_settings, "SMTP_HOST", "")
    monkeypatch.setattr(mail_settings, "EMAILS_DEV_DIR", str(tmp_path / "dev-mail"))
    caplog.set_level(logging.INFO, logger="app")
    mail_id = await _enqueue(
        Mail(
            to=Recipient(email="ann@example.com"),
            template=TEMPLATE,
            context={"requested_at": TOKEN},
        )
    )

    await run_jobs()

    (written,) = (tmp_path / "dev-mail").glob("*.eml")
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert written.name == f"{mail_id:08d}-mail_check.eml"
    assert message["To"] == "ann@example.com"
    assert TOKEN in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert (tmp_path / "dev-mail/.gitignore").read_text() == "*\n"
    (line,) = [r.getMessage() for r in caplog.records if "sent through" in r.getMessage()]
    assert line == (
        f"mail {mail_id} 'Test mail from {mail_settings.PROJECT_NAME}' to ann@example.com "
        f"sent through {written}, attempt 1"
    )
    assert TOKEN not in caplog.text


async def test_no_log_line_shows_the_smtp_password_or_what_fills_a_mail(
    mail_settings: Settings,
    run_jobs: RunJobs,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    password = "smtp-Pa55word-never-logged"
    server = SmtpServer(login=("mailer", password))
    await server.start()
    monkeypatch.setattr(mail_settings, "SMTP_PORT", server.port)
    monkeypatch.setattr(mail_settings, "SMTP_USER", "mailer")
    monkeypatch.setattr(mail_settings, "SMTP_PASSWORD", password)
    # The levels a deployment may run with: the app's own lines down to DEBUG.
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="app")
    mail = Mail(
        to=Recipient(email="ann@example.com"), template=TEMPLATE, context={"requested_at": TOKEN}
    )
    try:
        sent_id = await _enqueue(mail)
        await run_jobs()
        monkeypatch.setattr(mail_settings, "SMTP_PASSWORD", password + "-but-wrong")
        refused_id = await _enqueue(mail)
        await run_jobs()
    finally:
        await server.stop()

    (received,) = server.received
    assert TOKEN in received.text
    assert (await _stored(sent_id)).status == MailStatus.SENT
    refused = await _stored(refused_id)
    assert refused.status == MailStatus.PENDING and refused.last_error
    assert "SMTPAuthenticationError" in refused.last_error
    logged = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    encoded = base64.b64encode(f"\0mailer\0{password}".encode()).decode()
    for secret in (password, encoded, TOKEN):
        assert secret not in logged
        assert secret not in refused.last_error


async def test_the_app_delivers_in_its_own_process_with_jobs_in_process(
    smtp_server: SmtpServer, mail_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mail_settings, "JOBS_IN_PROCESS", True)
    app = create_app(mail_settings)

    async with app.router.lifespan_context(app):
        mail_id = await _request()
        await smtp_server.wait_for(1)

    assert (await _stored(mail_id)).status == MailStatus.SENT

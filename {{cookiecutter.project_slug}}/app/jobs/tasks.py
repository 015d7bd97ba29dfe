"""The jobs, whichever worker runs them: deliver one mail, purge what no longer matters.

A mail's outbox row is the truth about it: each attempt claims the row, so two workers
never send it at once, and records how the attempt went; a failed one is due again after a
wait that doubles each time, until MAIL_MAX_ATTEMPTS, when the mail is given up with its
reason. A worker that dies while sending leaves the row claimed until its claim runs out,
then the mail is sent again, with the same Message-ID.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import jinja2
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.mail.messages import compose
from app.mail.transport import SEND_ERRORS, RefusedError, send
from app.models.mail import MailStatus, OutboxMail
from app.repositories.sql.unit_of_work import SqlUnitOfWork
from app.services.housekeeping import HousekeepingService, Purged, Retention
from app.utils.time import utcnow

logger = logging.getLogger(__name__)

# The longest wait between two attempts of a mail.
MAX_RETRY_DELAY = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Attempt:
    """How an attempt at a mail ended: its status now, and when it is due if it is open."""

    mail_id: int
    status: MailStatus
    error: str | None = None
    retry_at: datetime | None = None
    sent_to: str | None = None


def retry_delay(attempts: int, settings: Settings) -> timedelta:
    """The wait after the `attempts`-th failed attempt: MAIL_RETRY_SECONDS, doubled each time."""
    seconds = settings.MAIL_RETRY_SECONDS * 2 ** min(attempts - 1, 32)
    return min(timedelta(seconds=seconds), MAX_RETRY_DELAY)


def claim_period(settings: Settings) -> timedelta:
    """How long an attempt holds its mail: longer than a send can take."""
    return timedelta(seconds=2 * settings.SMTP_TIMEOUT_SECONDS)


def _reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".strip()


async def deliver_mail(
    mail_id: int, settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> Attempt:
    """Make one attempt at the mail `mail_id`, if it is due; say how it ended.

    A mail that is not due (another worker has it, or its next attempt is later) is left
    as it is: the Attempt gives its status and when it is due.
    """
    now = utcnow()
    async with SqlUnitOfWork(session_factory) as uow:
        mail = await uow.mails.claim(mail_id, now, until=now + claim_period(settings))
        current = mail or await uow.mails.get(mail_id)
        await uow.commit()
    if current is None:
        return Attempt(mail_id, MailStatus.FAILED, error="no such mail")
    if mail is None:
        return Attempt(mail_id, current.status, current.last_error, current.next_attempt_at)
    try:
        message = compose(mail, settings)
        sent_to = await send(message, settings, f"{mail.id:08d}-{mail.template}")
    except (jinja2.TemplateError, RefusedError) as error:
        # No later attempt can do better: the template is broken, or the address refused.
        return await _record_failure(mail, _reason(error), None, settings, session_factory)
    except SEND_ERRORS as error:
        retry_at = None
        if mail.attempts < settings.MAIL_MAX_ATTEMPTS:
            retry_at = utcnow() + retry_delay(mail.attempts, settings)
        return await _record_failure(mail, _reason(error), retry_at, settings, session_factory)
    async with SqlUnitOfWork(session_factory) as uow:
        await uow.mails.record_sent(mail.id, utcnow())
        await uow.commit()
    # The subject and the recipient, never the body: it may hold a single-use link.
    logger.info(
        "mail %d %r to %s sent through %s, attempt %d",
        mail.id,
        message["Subject"],
        mail.to_email,
        sent_to,
        mail.attempts,
    )
    return Attempt(mail.id, MailStatus.SENT, sent_to=sent_to)


async def _record_failure(
    mail: OutboxMail,
    reason: str,
    retry_at: datetime | None,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
) -> Attempt:
    async with SqlUnitOfWork(session_factory) as uow:
        await uow.mails.record_failure(mail.id, reason, retry_at)
        await uow.commit()
    if retry_at is None:
        logger.error(
            "mail %d (%s) to %s given up after %d of %d attempts: %s",
            mail.id,
            mail.template,
            mail.to_email,
            mail.attempts,
            settings.MAIL_MAX_ATTEMPTS,
            reason,
        )
        return Attempt(mail.id, MailStatus.FAILED, reason)
    logger.warning(
        "mail %d (%s) to %s failed, attempt %d of %d, next at %s: %s",
        mail.id,
        mail.template,
        mail.to_email,
        mail.attempts,
        settings.MAIL_MAX_ATTEMPTS,
        retry_at.isoformat(timespec="seconds"),
        reason,
    )
    return Attempt(mail.id, MailStatus.PENDING, reason, retry_at)


async def purge(settings: Settings, session_factory: async_sessionmaker[AsyncSession]) -> Purged:
    """Delete ended sessions, stale failed-login counts and old mails; log how many."""
    service = HousekeepingService(SqlUnitOfWork(session_factory), Retention.from_settings(settings))
    purged = await service.purge()
    logger.info(
        "purged %d ended sessions, %d failed-login counts, %d spent account tokens and %d old mails",
        purged.sessions,
        purged.login_throttles,
        purged.account_tokens,
        purged.mails,
    )
    return purged

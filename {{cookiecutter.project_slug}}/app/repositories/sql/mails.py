"""The outbox on SQLAlchemy: mails recorded by the use cases, delivered by the jobs."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models.mail import MailStatus, OutboxMail
{%- if cookiecutter.database == "postgresql" %}
from app.repositories.sql.job_queue import DELIVER_MAIL, MAIL_QUEUE, defer_in_transaction
{%- endif %}
from app.schemas.mail import Mail

# What a worker may take: waiting, or claimed by a worker whose claim has run out.
_OPEN = (MailStatus.PENDING, MailStatus.SENDING)
_DONE = (MailStatus.SENT, MailStatus.FAILED)
ERROR_MAX_LENGTH = 500


class SqlMailOutboxRepository:
    """The MailOutboxRepository on an AsyncSession, and what the delivery jobs need of it."""

    def __init__(self, session: AsyncSession) -> None:
        """Work inside `session`; the unit of work commits it."""
        self._session = session

    async def enqueue(self, mail: Mail) -> int:
        """Record `mail` in this transaction; return its id."""
        row = OutboxMail(
            to_email=mail.to.email,
            to_name=mail.to.name,
            template=mail.template,
            context=dict(mail.context),
        )
        self._session.add(row)
        await self._session.flush()
{%- if cookiecutter.database == "postgresql" %}
        # The delivery job is written by this same transaction: it exists if the mail does.
        await defer_in_transaction(self._session, DELIVER_MAIL, MAIL_QUEUE, mail_id=row.id)
{%- endif %}
        return row.id

    async def purge(self, finished_before: datetime) -> int:
        """Delete the mails sent or given up before `finished_before`; return how many."""
        result: CursorResult[tuple[()]] = await self._session.execute(  # type: ignore[assignment]
            delete(OutboxMail)
            .where(
                col(OutboxMail.status).in_(_DONE),
                col(OutboxMail.updated_at) < finished_before,
            )
            .execution_options(synchronize_session=False)
        )
        return result.rowcount

    # The delivery side, for app/jobs only: services never see it.

    async def get(self, mail_id: int) -> OutboxMail | None:
        """Return the mail with `mail_id`, if any."""
        return await self._session.get(OutboxMail, mail_id)

    async def due(self, now: datetime, limit: int) -> Sequence[int]:
        """The ids of up to `limit` mails due at `now`, the longest waiting first."""
        result = await self._session.scalars(
            select(col(OutboxMail.id))
            .where(col(OutboxMail.status).in_(_OPEN), col(OutboxMail.next_attempt_at) <= now)
            .order_by(col(OutboxMail.next_attempt_at))
            .limit(limit)
        )
        return result.all()

    async def claim(self, mail_id: int, now: datetime, until: datetime) -> OutboxMail | None:
        """Take a due mail for one attempt, counted, until `until`; None if it is not due.

        One conditional UPDATE: of two workers after the same mail, one gets it. If this one
        dies while sending, the mail is due again at `until`.
        """
        result = await self._session.scalars(
            update(OutboxMail)
            .where(
                col(OutboxMail.id) == mail_id,
                col(OutboxMail.status).in_(_OPEN),
                col(OutboxMail.next_attempt_at) <= now,
            )
            .values(
                status=MailStatus.SENDING,
                attempts=col(OutboxMail.attempts) + 1,
                next_attempt_at=until,
            )
            .returning(OutboxMail),
            execution_options={"populate_existing": True},
        )
        return result.one_or_none()

    async def record_sent(self, mail_id: int, now: datetime) -> None:
        """Mark a mail sent, and forget what filled it in."""
        await self._finish(
            mail_id, status=MailStatus.SENT, sent_at=now, context=None, last_error=None
        )

    async def record_failure(self, mail_id: int, error: str, retry_at: datetime | None) -> None:
        """Keep why an attempt failed: due again at `retry_at`, or given up when it is None."""
        error = error[:ERROR_MAX_LENGTH]
        if retry_at is None:
            await self._finish(mail_id, status=MailStatus.FAILED, context=None, last_error=error)
        else:
            await self._finish(
                mail_id, status=MailStatus.PENDING, next_attempt_at=retry_at, last_error=error
            )

    async def _finish(self, mail_id: int, **values: object) -> None:
        await self._session.execute(
            update(OutboxMail)
            .where(col(OutboxMail.id) == mail_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

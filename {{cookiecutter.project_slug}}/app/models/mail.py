"""The outbox: each mail a use case asked for, written in that use case's transaction."""

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from app.models.mixins import IdMixin, TimestampMixin, UTCDateTime
from app.utils.time import utcnow


class MailStatus(StrEnum):
    """Where a mail stands."""

    PENDING = "pending"  # due at next_attempt_at
    SENDING = "sending"  # a worker is at it; due again at next_attempt_at if that worker died
    SENT = "sent"
    FAILED = "failed"  # given up: last_error says why


class OutboxMail(IdMixin, TimestampMixin, table=True):
    """One mail to deliver, and how its delivery went.

    A pending mail may carry a single-use link in `context`, so `context` is cleared once the
    mail is sent or given up; the row itself stays MAIL_KEEP_DAYS for the record.
    """

    __tablename__ = "outbox_mail"
    # The runner's question on SQLite: which open mails are due?
    __table_args__ = (sa.Index("ix_outbox_mail_due", "status", "next_attempt_at"),)

    to_email: str = Field(max_length=320)
    to_name: str = Field(default="", max_length=200)
    template: str = Field(max_length=100)
    context: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    status: MailStatus = Field(default=MailStatus.PENDING, sa_type=sa.String(length=20))
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

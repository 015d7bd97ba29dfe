"""Single-use account tokens: the links that account mails carry."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from app.models.mixins import IdMixin, TimestampMixin, UTCDateTime


class TokenPurpose(StrEnum):
    """What a token lets its bearer do, once."""

    PASSWORD_RESET = "password_reset"
    # Confirms that the user owns `email`: their address, or the one they are moving to.
    EMAIL_VERIFICATION = "email_verification"
    EMAIL_CHANGE = "email_change"


class AccountToken(IdMixin, TimestampMixin, table=True):
    """One single-use token of a user, stored only as its SHA-256 hash.

    It works until `expires_at`, once: using it, or asking for a newer one of the same
    purpose, sets `used_at`. A token that confirms an address names it in `email`.
    """

    __tablename__ = "account_token"

    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    purpose: TokenPurpose = Field(sa_type=sa.String(length=30))
    token_hash: str = Field(max_length=64, unique=True, index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    email: str | None = Field(default=None, max_length=320)

"""The auth-session table: one row per login, holding only a hash of its refresh token."""

from datetime import datetime

from sqlmodel import Field

from app.models.mixins import IdMixin, TimestampMixin, UTCDateTime
from app.utils.time import utcnow


class AuthSession(IdMixin, TimestampMixin, table=True):
    """One login of a user: a family of refresh tokens, each replacing the one before.

    Only the SHA-256 hash of the newest refresh token is kept. An older token of the family
    coming back means someone kept a copy, and ends the session. Access tokens name their
    session, so revoking it stops them at once too.
    """

    __tablename__ = "auth_session"

    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    refresh_token_hash: str = Field(max_length=64)
    user_agent: str = Field(default="", max_length=255)
    last_used_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

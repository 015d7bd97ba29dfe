"""The refresh-token table: only hashes of issued refresh tokens are kept."""

from datetime import datetime

from sqlmodel import Field

from app.models.mixins import IdMixin, TimestampMixin, UTCDateTime


class RefreshToken(IdMixin, TimestampMixin, table=True):
    """One issued refresh token; it works once, until it expires or is revoked."""

    __tablename__ = "refresh_token"

    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

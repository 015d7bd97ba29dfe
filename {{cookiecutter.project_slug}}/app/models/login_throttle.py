"""The login-throttle table: failed logins per email, shared by every worker process."""

from datetime import datetime

from sqlmodel import Field

from app.models.mixins import IdMixin, UTCDateTime


class LoginThrottle(IdMixin, table=True):
    """The failed logins of one email in the current window, and the lockout they caused.

    The email is kept as its SHA-256 hash (`key_hash`): the table counts attempts on
    emails that have no account too, and a mistyped password in the email field should
    not sit there in clear.
    """

    __tablename__ = "login_throttle"

    key_hash: str = Field(max_length=64, unique=True, index=True)
    failures: int = Field(default=0)
    window_started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)

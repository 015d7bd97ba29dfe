"""The user table."""

import sqlalchemy as sa
from sqlmodel import Field

from app.core.security import Role
from app.models.mixins import IdMixin, TimestampMixin


class User(IdMixin, TimestampMixin, table=True):
    """Someone who can log in; `role` decides what they may do."""

    __tablename__ = "user"

    email: str = Field(max_length=320, unique=True, index=True)
    full_name: str = Field(default="", max_length=200)
    hashed_password: str = Field(max_length=255)
    role: Role = Field(default=Role.USER, sa_type=sa.String(length=20))
    is_active: bool = Field(default=True)
    # Set when the user follows a mailed link to `email`; a new email clears it.
    email_verified: bool = Field(default=False)
    # Named by every token; raising it (new password, deactivation) voids them all at once.
    token_version: int = Field(default=0)

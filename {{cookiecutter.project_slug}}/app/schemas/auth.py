"""Token and session bodies."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.user import Email, Password


class TokenPair(BaseModel):
    """What a login or a refresh returns."""

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")


class RefreshRequest(BaseModel):
    """A refresh token sent back to rotate or revoke it."""

    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=4096)


class SessionRead(BaseModel):
    """One active session (login) of the caller, as the API shows it: never a token."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user_agent: str = Field(description="The User-Agent header of the login.")
    created_at: datetime = Field(description="When the session was opened (the login).")
    last_used_at: datetime = Field(description="When its refresh token was last used.")
    expires_at: datetime = Field(description="When it ends unless refreshed before.")
    current: bool = Field(default=False, description="Whether this request came from it.")


class PasswordRecoveryRequest(BaseModel):
    """The email of an account whose password is forgotten."""

    model_config = ConfigDict(extra="forbid")

    email: Email


class PasswordReset(BaseModel):
    """The token of a mailed reset link, and the new password."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200)
    new_password: Password


class EmailConfirmation(BaseModel):
    """The token of a mailed link that confirms an email: one's own, or a new one."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200)

"""User bodies. Requests never accept `id`, timestamps or (except for admins) `role`."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from app.core.config import get_settings
from app.core.security import Role, normalise_email


def _check_password_policy(password: str) -> str:
    settings = get_settings()
    if not settings.PASSWORD_MIN_LENGTH <= len(password) <= settings.PASSWORD_MAX_LENGTH:
        raise ValueError(
            f"password must be {settings.PASSWORD_MIN_LENGTH} to "
            f"{settings.PASSWORD_MAX_LENGTH} characters long"
        )
    if password.isdigit() or password.isalpha():
        raise ValueError("password must mix letters with digits or symbols")
    return password


Password = Annotated[str, AfterValidator(_check_password_policy)]
Email = Annotated[EmailStr, AfterValidator(normalise_email)]
FullName = Annotated[str, Field(max_length=200)]

_FORBID_EXTRA = ConfigDict(extra="forbid")


class UserRegister(BaseModel):
    """What anyone may send to sign up."""

    model_config = _FORBID_EXTRA

    email: Email
    password: Password
    full_name: FullName = ""


class UserCreate(UserRegister):
    """What an admin may send to create a user."""

    role: Role = Role.USER
    is_active: bool = True
    # True when the admin vouches for the address: no confirmation link is mailed.
    email_verified: bool = False


class UserChanges(BaseModel):
    """The fields of an account anyone who may change it may change.

    Fields left out, or sent as null, stay as they are.
    """

    model_config = _FORBID_EXTRA

    email: Email | None = None
    password: Password | None = None
    full_name: FullName | None = None


class UserUpdateMe(UserChanges):
    """What users may change about themselves: never their role, activity or verification.

    A new email or password needs the current password too: an access token alone,
    which may have been stolen, must not be enough to take the account over.
    """

    current_password: str | None = None


class UserUpdate(UserChanges):
    """What an admin may change about any user."""

    role: Role | None = None
    is_active: bool | None = None
    email_verified: bool | None = None


class UserRead(BaseModel):
    """A user as the API shows it: never the password hash."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    full_name: str
    role: Role
    is_active: bool
    email_verified: bool
    created_at: datetime
    updated_at: datetime

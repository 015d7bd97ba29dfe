"""One's own account, and every account for admins."""

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from app.api.deps import Admin, CurrentUser, EmailVerificationDep, SignedInUser, UserServiceDep
from app.api.v1.pagination import PageParams
from app.core.errors import error_responses
from app.schemas.common import Page
from app.schemas.user import UserCreate, UserRead, UserUpdate, UserUpdateMe

router = APIRouter(prefix="/users", tags=["users"])

UserId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The user's id.")]
_AUTH_ERRORS = (401, 422)
_ADMIN_ERRORS = (401, 403, 422)


@router.get("/me", summary="Read your own account", responses=error_responses(*_AUTH_ERRORS))
async def read_me(user: SignedInUser) -> UserRead:
    """Return the account the access token belongs to, verified or not."""
    return UserRead.model_validate(user)


@router.post(
    "/me/email-verification",
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,
    summary="Ask for a new link that confirms your email",
    responses=error_responses(*_AUTH_ERRORS, 409, 429),
)
async def resend_my_verification(user: SignedInUser, verification: EmailVerificationDep) -> None:
    """Mail a new confirmation link to your email; older links stop working.

    `409` once the email is verified, `422` while verification is off; a few requests per
    window, then `429` with `Retry-After`.
    """
    assert user.id is not None
    await verification.resend(user.id)


@router.patch(
    "/me",
    summary="Update your own account",
    responses=error_responses(*_AUTH_ERRORS, 403, 409, 413, 429),
)
async def update_me(data: UserUpdateMe, user: CurrentUser, users: UserServiceDep) -> UserRead:
    """Change your name, email or password.

    A new email or password needs `current_password` (`422` without it, `403` when wrong;
    wrong ones count towards the login lockout, `429`). A new password ends every session
    of yours, this one included: log in again with it.
    """
    return UserRead.model_validate(await users.update_me(user, data))


@router.get("", summary="List users", responses=error_responses(*_ADMIN_ERRORS))
async def list_users(_: Admin, page: PageParams, users: UserServiceDep) -> Page[UserRead]:
    """Return one page of every user (admins only)."""
    return await users.list_users(offset=page.offset, limit=page.limit)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a user",
    responses=error_responses(*_ADMIN_ERRORS, 409, 413),
)
async def create_user(_: Admin, data: UserCreate, users: UserServiceDep) -> UserRead:
    """Create a user with any role (admins only)."""
    return UserRead.model_validate(await users.create_user(data))


@router.get("/{user_id}", summary="Read a user", responses=error_responses(*_ADMIN_ERRORS, 404))
async def read_user(_: Admin, user_id: UserId, users: UserServiceDep) -> UserRead:
    """Return one user (admins only)."""
    return UserRead.model_validate(await users.get_user(user_id))


@router.patch(
    "/{user_id}",
    summary="Update a user",
    responses=error_responses(*_ADMIN_ERRORS, 404, 409, 413),
)
async def update_user(
    _: Admin, user_id: UserId, data: UserUpdate, users: UserServiceDep
) -> UserRead:
    """Change any field of a user, role included (admins only)."""
    return UserRead.model_validate(await users.update_user(user_id, data))


@router.post(
    "/{user_id}/email-verification",
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,
    summary="Mail a user a new link that confirms their email",
    responses=error_responses(*_ADMIN_ERRORS, 404, 409, 429),
)
async def resend_verification(
    _: Admin, user_id: UserId, verification: EmailVerificationDep
) -> None:
    """Mail a user a new confirmation link (admins only), as they could ask themselves."""
    await verification.resend(user_id)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a user",
    responses=error_responses(*_ADMIN_ERRORS, 404),
)
async def delete_user(_: Admin, user_id: UserId, users: UserServiceDep) -> None:
    """Delete a user and what they own (admins only); the last admin cannot go."""
    await users.delete_user(user_id)

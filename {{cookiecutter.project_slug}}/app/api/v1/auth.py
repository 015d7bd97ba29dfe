"""Sign-up, login, token refresh and logout, and one's own sessions."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from app.api.deps import AccountRecoveryDep, AuthServiceDep, CurrentCaller, EmailVerificationDep
from app.api.v1.pagination import PageParams
from app.core.errors import error_responses
from app.schemas.auth import (
    EmailConfirmation,
    PasswordRecoveryRequest,
    PasswordReset,
    RefreshRequest,
    SessionRead,
    TokenPair,
)
from app.schemas.common import Page
from app.schemas.user import UserRead, UserRegister

router = APIRouter(prefix="/auth", tags=["auth"])

SessionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The session's id.")]


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    summary="Create an account",
    responses=error_responses(409, 413, 422),
)
async def register(data: UserRegister, auth: AuthServiceDep) -> UserRead:
    """Sign up with an email and a password; the new account has the `user` role.

    Unless `EMAIL_VERIFICATION` is `off`, the email is sent a link to confirm it.
    """
    return UserRead.model_validate(await auth.register(data))


@router.post(
    "/login",
    summary="Log in for a token pair",
    responses=error_responses(401, 413, 422, 429),
)
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    auth: AuthServiceDep,
    user_agent: Annotated[str, Header(include_in_schema=False)] = "",
) -> TokenPair:
    """Trade an email (as `username`) and password for an access and a refresh token.

    Each login opens a session. Repeated failures for one email lock it for a while:
    `429` with `Retry-After`.
    """
    return await auth.login(form.username, form.password, user_agent)


@router.post(
    "/refresh",
    summary="Rotate a refresh token",
    responses=error_responses(401, 413, 422),
)
async def refresh(data: RefreshRequest, auth: AuthServiceDep) -> TokenPair:
    """Trade a refresh token for a new pair; the token sent stops working."""
    return await auth.refresh(data.refresh_token)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="End the session of a refresh token",
    responses=error_responses(401, 413, 422),
)
async def logout(data: RefreshRequest, auth: AuthServiceDep) -> None:
    """End the session a refresh token belongs to: its refresh and access tokens stop working."""
    await auth.logout(data.refresh_token)


@router.post(
    "/password-recovery",
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,
    summary="Ask for a password-reset link by mail",
    responses=error_responses(413, 422, 429),
)
async def password_recovery(
    data: PasswordRecoveryRequest, request: Request, recovery: AccountRecoveryDep
) -> None:
    """Mail a single-use reset link to the email, if an active account has it.

    The answer is the same whether or not it does. Requests per email and per client
    address are limited: `429` with `Retry-After`.
    """
    client = request.client.host if request.client else ""
    await recovery.request_reset(data.email, client)


@router.post(
    "/password-reset",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Set a new password with a mailed reset token",
    responses=error_responses(413, 422),
)
async def password_reset(data: PasswordReset, recovery: AccountRecoveryDep) -> None:
    """Trade the token of a reset link for a new password; every session of the user ends.

    A token works once, until it expires or a newer link replaces it.
    """
    await recovery.reset_password(data.token, data.new_password)


@router.post(
    "/verify-email",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Confirm an email with a mailed token",
    responses=error_responses(409, 413, 422),
)
async def verify_email(data: EmailConfirmation, verification: EmailVerificationDep) -> None:
    """Trade the token of a confirmation link for a verified email.

    The link of a sign-up confirms the account's address; the link of an email change moves
    the account to the new address (`409` if another account took it meanwhile). A token
    works once, until it expires or a newer link replaces it.
    """
    await verification.confirm(data.token)


@router.get(
    "/sessions",
    summary="List your sessions",
    responses=error_responses(401, 422),
)
async def list_sessions(
    caller: CurrentCaller, page: PageParams, auth: AuthServiceDep
) -> Page[SessionRead]:
    """Return one page of your active sessions (logins), oldest first; `current` marks this one."""
    found, total = await auth.list_sessions(caller.user, offset=page.offset, limit=page.limit)
    sessions = page.page(SessionRead, found, total)
    for session in sessions.items:
        session.current = session.id == caller.session_id
    return sessions


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="End one of your sessions",
    responses=error_responses(401, 404, 422),
)
async def revoke_session(
    session_id: SessionId, caller: CurrentCaller, auth: AuthServiceDep
) -> None:
    """End one of your sessions: its refresh and access tokens stop working at once."""
    await auth.revoke_session(caller.user, session_id)

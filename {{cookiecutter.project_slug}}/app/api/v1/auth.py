"""Sign-up, login, token refresh and logout."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from app.api.deps import AuthServiceDep
from app.core.errors import error_responses
from app.schemas.auth import RefreshRequest, TokenPair
from app.schemas.user import UserRead, UserRegister

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    summary="Create an account",
    responses=error_responses(409, 422),
)
async def register(data: UserRegister, auth: AuthServiceDep) -> UserRead:
    """Sign up with an email and a password; the new account has the `user` role."""
    return UserRead.model_validate(await auth.register(data))


@router.post(
    "/login",
    summary="Log in for a token pair",
    responses=error_responses(401, 422),
)
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], auth: AuthServiceDep
) -> TokenPair:
    """Trade an email (as `username`) and password for an access and a refresh token."""
    return await auth.login(form.username, form.password)


@router.post(
    "/refresh",
    summary="Rotate a refresh token",
    responses=error_responses(401, 422),
)
async def refresh(data: RefreshRequest, auth: AuthServiceDep) -> TokenPair:
    """Trade a refresh token for a new pair; the token sent stops working."""
    return await auth.refresh(data.refresh_token)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Revoke a refresh token",
    responses=error_responses(401, 422),
)
async def logout(data: RefreshRequest, auth: AuthServiceDep) -> None:
    """Revoke a refresh token, ending the session it belongs to."""
    await auth.logout(data.refresh_token)

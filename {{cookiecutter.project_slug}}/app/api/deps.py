"""Dependency injection: {% if cookiecutter.auth == "jwt" %}settings -> {% endif %}unit of work -> services -> routes.

The providers are `async def` although they do not await: FastAPI runs plain `def`
dependencies in a thread pool, a hop per dependency per request.

Routes declare what they need with the `Annotated` aliases below; tests override
{%- if cookiecutter.auth == "jwt" %}
`get_app_settings` or `get_uow` through `app.dependency_overrides`.
{%- else %}
`get_uow` through `app.dependency_overrides`.
{%- endif %}
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends
{%- if cookiecutter.auth == "jwt" %}
from fastapi.security import OAuth2PasswordBearer
{%- endif %}

{% if cookiecutter.auth == "jwt" -%}
from app.core.config import API_V1_PREFIX, Settings, get_settings
from app.core.errors import AuthenticationError, PermissionDeniedError
from app.core.security import PasswordHasher, Permission, TokenCodec, has_permission
from app.models.user import User
{% endif -%}
from app.repositories.sql.database import (
    get_connection_queue,
    get_session_factory,
    get_write_queue,
)
from app.repositories.sql.unit_of_work import SqlUnitOfWork
from app.repositories.unit_of_work import UnitOfWork
{% if cookiecutter.auth == "jwt" -%}
from app.services.account_recovery import AccountRecoveryService, RecoveryPolicy
from app.services.auth import AuthService, Caller
from app.services.email_verification import EmailVerificationService, VerificationPolicy
{% endif -%}
from app.services.health import HealthService
{% if cookiecutter.auth == "jwt" -%}
from app.services.passwords import LoginPolicy
from app.services.users import UserService


async def get_app_settings() -> Settings:
    """The process-wide settings; `get_settings` itself is a plain, thread-pooled `def`."""
    return get_settings()


SettingsDep = Annotated[Settings, Depends(get_app_settings)]

_oauth2_scheme = OAuth2PasswordBearer(tokenUrl=f"{API_V1_PREFIX}/auth/login", auto_error=False)
{% endif %}

async def get_uow() -> UnitOfWork:
    """A unit of work on the app's database."""
    return SqlUnitOfWork(get_session_factory(), get_connection_queue(), get_write_queue())


UowDep = Annotated[UnitOfWork, Depends(get_uow)]
Service = TypeVar("Service")


def service(build: Callable[[UnitOfWork], Service]) -> Callable[[UnitOfWork], Awaitable[Service]]:
    """A dependency that builds a service on the request's unit of work.

    A resource's routes declare theirs in one line:
    `Notes = Annotated[NoteService, Depends(service(NoteService))]`.
    """

    async def provide(uow: UowDep) -> Service:
        return build(uow)

    return provide
{%- if cookiecutter.auth == "jwt" %}


async def get_auth_service(uow: UowDep, settings: SettingsDep) -> AuthService:
    """The authentication use cases, with the process-wide hasher and token codec.

    The helpers come straight from the settings rather than as dependencies of their
    own: every dependency costs each request that uses it, and these never change.
    """
    return AuthService(
        uow,
        PasswordHasher.from_settings(settings),
        TokenCodec.from_settings(settings),
        LoginPolicy.from_settings(settings),
        VerificationPolicy.from_settings(settings),
    )


async def get_account_recovery_service(
    uow: UowDep, settings: SettingsDep
) -> AccountRecoveryService:
    """Password recovery by mail."""
    return AccountRecoveryService(
        uow, PasswordHasher.from_settings(settings), RecoveryPolicy.from_settings(settings)
    )


async def get_email_verification_service(
    uow: UowDep, settings: SettingsDep
) -> EmailVerificationService:
    """Email verification by mail."""
    return EmailVerificationService(uow, VerificationPolicy.from_settings(settings))


async def get_user_service(uow: UowDep, settings: SettingsDep) -> UserService:
    """The user-management use cases."""
    return UserService(
        uow,
        PasswordHasher.from_settings(settings),
        LoginPolicy.from_settings(settings),
        VerificationPolicy.from_settings(settings),
    )
{%- endif %}


async def get_health_service(uow: UowDep) -> HealthService:
    """The health checks."""
    return HealthService(uow)


{% if cookiecutter.auth == "jwt" -%}
AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]
AccountRecoveryDep = Annotated[AccountRecoveryService, Depends(get_account_recovery_service)]
EmailVerificationDep = Annotated[EmailVerificationService, Depends(get_email_verification_service)]
UserServiceDep = Annotated[UserService, Depends(get_user_service)]
{% endif -%}
HealthServiceDep = Annotated[HealthService, Depends(get_health_service)]
{%- if cookiecutter.auth == "jwt" %}


async def get_current_caller(
    auth: AuthServiceDep, token: Annotated[str | None, Depends(_oauth2_scheme)]
) -> Caller:
    """The user and session whose access token came with the request; 401 otherwise.

    403 for a user whose email is unverified while EMAIL_VERIFICATION=required.
    """
    if token is None:
        raise AuthenticationError("Not authenticated.")
    return await auth.authenticate(token)


CurrentCaller = Annotated[Caller, Depends(get_current_caller)]


async def get_signed_in_user(
    auth: AuthServiceDep, token: Annotated[str | None, Depends(_oauth2_scheme)]
) -> User:
    """The active user whose access token came with the request, verified or not.

    Only for what an unverified user may do: read their account, ask for a new link.
    """
    if token is None:
        raise AuthenticationError("Not authenticated.")
    return (await auth.authenticate(token, unverified_ok=True)).user


SignedInUser = Annotated[User, Depends(get_signed_in_user)]


async def get_current_user(caller: CurrentCaller) -> User:
    """The active user whose access token came with the request; 401 otherwise."""
    return caller.user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_permission(permission: Permission) -> Callable[[Caller], Awaitable[User]]:
    """A dependency that lets through only users whose role grants `permission`."""

    async def check(caller: CurrentCaller) -> User:
        user = caller.user
        if not has_permission(user.role, permission):
            raise PermissionDeniedError("You do not have permission to do this.")
        return user

    return check


Admin = Annotated[User, Depends(require_permission(Permission.USERS_MANAGE))]
{%- endif %}

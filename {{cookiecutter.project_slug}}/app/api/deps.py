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

{% if cookiecutter.auth == "jwt" -%}
from collections.abc import Awaitable, Callable
{% endif -%}
from typing import Annotated

from fastapi import Depends
{%- if cookiecutter.auth == "jwt" %}
from fastapi.security import OAuth2PasswordBearer
{%- endif %}

{% if cookiecutter.auth == "jwt" -%}
from app.core.config import API_V1_PREFIX, Settings, get_settings
from app.core.errors import AuthenticationError, PermissionDeniedError
from app.core.security import PasswordHasher, Permission, TokenCodec, has_permission
from app.models import User
{% endif -%}
from app.repositories.interfaces import UnitOfWork
from app.repositories.sql.database import get_session_factory
from app.repositories.sql.unit_of_work import SqlUnitOfWork
{% if cookiecutter.auth == "jwt" -%}
from app.services.auth import AuthService, Caller
{% endif -%}
from app.services.health import HealthService
{% if cookiecutter.include_example_resource == "yes" -%}
from app.services.items import ItemService
{% endif -%}
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
    return SqlUnitOfWork(get_session_factory())


UowDep = Annotated[UnitOfWork, Depends(get_uow)]
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
    )


async def get_user_service(uow: UowDep, settings: SettingsDep) -> UserService:
    """The user-management use cases."""
    return UserService(
        uow, PasswordHasher.from_settings(settings), LoginPolicy.from_settings(settings)
    )
{%- endif %}
{%- if cookiecutter.include_example_resource == "yes" %}


async def get_item_service(uow: UowDep) -> ItemService:
    """The item use cases."""
    return ItemService(uow)
{%- endif %}


async def get_health_service(uow: UowDep) -> HealthService:
    """The health checks."""
    return HealthService(uow)


{% if cookiecutter.auth == "jwt" -%}
AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]
UserServiceDep = Annotated[UserService, Depends(get_user_service)]
{% endif -%}
{% if cookiecutter.include_example_resource == "yes" -%}
ItemServiceDep = Annotated[ItemService, Depends(get_item_service)]
{% endif -%}
HealthServiceDep = Annotated[HealthService, Depends(get_health_service)]
{%- if cookiecutter.auth == "jwt" %}


async def get_current_caller(
    auth: AuthServiceDep, token: Annotated[str | None, Depends(_oauth2_scheme)]
) -> Caller:
    """The user and session whose access token came with the request; 401 otherwise."""
    if token is None:
        raise AuthenticationError("Not authenticated.")
    return await auth.authenticate(token)


CurrentCaller = Annotated[Caller, Depends(get_current_caller)]


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
{%- if cookiecutter.include_example_resource == "yes" %}
ItemOwner = Annotated[User, Depends(require_permission(Permission.ITEMS_OWN))]
{%- endif %}
{%- endif %}

"""Services on the in-memory fakes: the same use cases, no database.
{%- if cookiecutter.auth == "jwt" %}

`make_user` is overridden here, so the `user`, `other_user` and `admin` fixtures of
tests/fixtures/shared.py store their users in the fake unit of work.
"""
{%- else %}"""{% endif %}

import pytest

{% if cookiecutter.auth == "jwt" -%}
from app.core.config import Settings
from app.core.security import PasswordHasher, Role, TokenCodec
from app.models.user import User
from app.services.auth import AuthService
{% endif -%}
from app.services.health import HealthService
{%- if cookiecutter.auth == "jwt" %}
from app.services.passwords import LoginPolicy
from app.services.users import UserService
from tests.fixtures.factories import PASSWORD, MakeUser, create_user
{%- endif %}
from tests.fixtures.fakes import FakeUnitOfWork


@pytest.fixture
def fake_uow() -> FakeUnitOfWork:
    """The unit of work of the services under test, to arrange and inspect."""
    return FakeUnitOfWork()
{%- if cookiecutter.auth == "jwt" %}


@pytest.fixture
def make_user(fake_uow: FakeUnitOfWork, hasher: PasswordHasher) -> MakeUser:
    """Create users in the fake unit of work through the real UserService."""

    async def make(
        *,
        role: Role = Role.USER,
        is_active: bool = True,
        email: str | None = None,
        password: str = PASSWORD,
    ) -> User:
        return await create_user(
            fake_uow,
            hasher,
            role=role,
            is_active=is_active,
            email=email,
            password=password,
        )

    return make


@pytest.fixture
def policy(settings: Settings) -> LoginPolicy:
    """The login policy of the test settings: 5 failures in 15 minutes lock for 15."""
    return LoginPolicy.from_settings(settings)


@pytest.fixture
def auth_service(
    fake_uow: FakeUnitOfWork, hasher: PasswordHasher, codec: TokenCodec, policy: LoginPolicy
) -> AuthService:
    """AuthService on the fakes."""
    return AuthService(fake_uow, hasher, codec, policy)


@pytest.fixture
def user_service(
    fake_uow: FakeUnitOfWork, hasher: PasswordHasher, policy: LoginPolicy
) -> UserService:
    """UserService on the fakes."""
    return UserService(fake_uow, hasher, policy)
{%- endif %}


@pytest.fixture
def health_service(fake_uow: FakeUnitOfWork) -> HealthService:
    """HealthService on the fakes."""
    return HealthService(fake_uow)

"""Shared fixtures: an isolated database{% if cookiecutter.auth == "jwt" %}, an HTTP client on the app, users and tokens{% else %} and an HTTP client on the app{% endif %}.

The environment is set before anything from `app` is imported, because the settings are
read once, on first use: the tests never see a developer's `.env` or database.
"""

import atexit
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
{%- if cookiecutter.include_example_resource == "yes" %}
from typing import Any
{%- endif %}

from tests.fixtures.{{ cookiecutter.database }}_database import (
    UNREACHABLE_DATABASE_URL,
    create_test_database,
)

_TEST_DIR = Path(tempfile.mkdtemp(prefix="app-tests-"))
# Removed at exit even when no test ran (such as with --collect-only).
atexit.register(shutil.rmtree, _TEST_DIR, ignore_errors=True)

os.environ.update(
    {
        "ENVIRONMENT": "test",
        # A file that does not exist, so no `.env` leaks into the tests.
        "ENV_FILE": str(_TEST_DIR / "no-such.env"),
        # A database of the tests' own, never the developer's.
        "DATABASE_URL": create_test_database(),
        "DATABASE_ECHO": "false",
        "DEBUG": "false",
{%- if cookiecutter.auth == "jwt" %}
        # 64 bytes: long enough for every HMAC the settings allow, HS512 included.
        "SECRET_KEY": "test-secret-key-long-enough-for-hs512-" + "k" * 26,
        # The cheapest argon2 the hasher accepts: hashing is not what the tests measure.
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST_KIB": "32",
{%- endif %}
        "CORS_ORIGINS": "[]",
        "PAGINATION_MAX_LIMIT": "100",
{%- if cookiecutter.auth == "jwt" %}
        "FIRST_ADMIN_EMAIL": "first-admin@example.com",
        "FIRST_ADMIN_PASSWORD": "first-admin-pass-1",
{%- endif %}
    }
)

import httpx  # noqa: E402
import pytest  # noqa: E402
from sqlalchemy import Connection, event  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402

from app.core.config import Settings, get_settings  # noqa: E402
{%- if cookiecutter.auth == "jwt" %}
from app.core.security import PasswordHasher, Role, TokenCodec  # noqa: E402
{%- endif %}
from app.main import app  # noqa: E402
{%- if cookiecutter.auth == "jwt" and cookiecutter.include_example_resource == "yes" %}
from app.models import Item, User, metadata  # noqa: E402
{%- elif cookiecutter.auth == "jwt" %}
from app.models import User, metadata  # noqa: E402
{%- elif cookiecutter.include_example_resource == "yes" %}
from app.models import Item, metadata  # noqa: E402
{%- else %}
from app.models import metadata  # noqa: E402
{%- endif %}
from app.repositories.sql.database import get_engine, get_session_factory  # noqa: E402
from app.repositories.sql.unit_of_work import SqlUnitOfWork  # noqa: E402
{%- if cookiecutter.include_example_resource == "yes" %}
from app.services.items import ItemService  # noqa: E402
{%- endif %}
{%- if cookiecutter.auth == "jwt" and cookiecutter.include_example_resource == "yes" %}
from tests.fixtures.factories import (  # noqa: E402
    PASSWORD,
    MakeItem,
    MakeUser,
    build_user,
    item_create,
    unique_email,
)
{%- elif cookiecutter.auth == "jwt" %}
from tests.fixtures.factories import PASSWORD, MakeUser, build_user, unique_email  # noqa: E402
{%- elif cookiecutter.include_example_resource == "yes" %}
from tests.fixtures.factories import MakeItem, item_create  # noqa: E402
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
from tests.fixtures.http import AuthHeaders, bearer, login  # noqa: E402
{%- endif %}

# ---------------------------------------------------------------- database


class _Commits:
    """Whether anything was committed to the test database since it was last emptied."""

    since_last_emptied = False

    @classmethod
    def note(cls, _connection: Connection) -> None:
        cls.since_last_emptied = True


@pytest.fixture(scope="session", autouse=True)
async def _schema() -> AsyncIterator[None]:
    """Create every table once; close the connections at the end."""
    engine = get_engine()
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    event.listen(engine.sync_engine, "commit", _Commits.note)
    yield
    event.remove(engine.sync_engine, "commit", _Commits.note)
    await engine.dispose()


@pytest.fixture(autouse=True)
async def _empty_tables(_schema: None) -> AsyncIterator[None]:
    """Give each test empty tables, whatever the previous one committed."""
    yield
    if not _Commits.since_last_emptied:
        return  # most unit tests never commit: skip the round trips
    async with get_engine().begin() as connection:
        for table in reversed(metadata.sorted_tables):
            await connection.execute(table.delete())
    _Commits.since_last_emptied = False


@pytest.fixture
def unreachable_database_url() -> str:
    """The URL of a database that does not answer."""
    return UNREACHABLE_DATABASE_URL


@pytest.fixture
def settings() -> Settings:
    """The settings the app runs with in the tests."""
    return get_settings()
{%- if cookiecutter.auth == "jwt" %}


@pytest.fixture
def hasher(settings: Settings) -> PasswordHasher:
    """The app's password hasher, cheap in tests."""
    return PasswordHasher.from_settings(settings)


@pytest.fixture
def codec(settings: Settings) -> TokenCodec:
    """The app's JWT codec."""
    return TokenCodec(settings)
{%- endif %}


@pytest.fixture
def uow() -> SqlUnitOfWork:
    """A real unit of work on the test database."""
    return SqlUnitOfWork(get_session_factory())


@pytest.fixture
async def session() -> AsyncIterator[AsyncSession]:
    """A session on the test database, for repository tests; closed (rolled back) after."""
    async with get_session_factory()() as session:
        yield session
{%- if cookiecutter.auth == "jwt" %}


# ---------------------------------------------------------------- users


@pytest.fixture(scope="session")
async def password_hash() -> str:
    """The app's hash of PASSWORD, computed once: most test users share the password."""
    return await PasswordHasher.from_settings(get_settings()).hash(PASSWORD)


@pytest.fixture
def make_user(hasher: PasswordHasher, password_hash: str) -> MakeUser:
    """Store users in the test database through the real repository and unit of work."""

    async def make(
        *,
        role: Role = Role.USER,
        is_active: bool = True,
        email: str | None = None,
        password: str = PASSWORD,
    ) -> User:
        hashed = password_hash if password == PASSWORD else await hasher.hash(password)
        row = build_user(
            email=email or unique_email(role.value),
            hashed_password=hashed,
            role=role,
            is_active=is_active,
        )
        uow = SqlUnitOfWork(get_session_factory())
        async with uow:
            stored = await uow.users.add(row)
            await uow.commit()
        return stored

    return make


@pytest.fixture
async def user(make_user: MakeUser) -> User:
    """An active user with the `user` role and the password PASSWORD."""
    return await make_user()


@pytest.fixture
async def other_user(make_user: MakeUser) -> User:
    """A second active user, to check what one user may not do to another."""
    return await make_user()


@pytest.fixture
async def admin(make_user: MakeUser) -> User:
    """An active admin with the password PASSWORD."""
    return await make_user(role=Role.ADMIN)
{%- endif %}
{%- if cookiecutter.include_example_resource == "yes" %}


@pytest.fixture
def make_item() -> MakeItem:
    """Create items in the test database through the real ItemService."""
{%- if cookiecutter.auth == "jwt" %}

    async def make(owner: User, **fields: Any) -> Item:
        service = ItemService(SqlUnitOfWork(get_session_factory()))
        return await service.create_item(owner, item_create(**fields))
{%- else %}

    async def make(**fields: Any) -> Item:
        service = ItemService(SqlUnitOfWork(get_session_factory()))
        return await service.create_item(item_create(**fields))
{%- endif %}

    return make
{%- endif %}


# ---------------------------------------------------------------- HTTP


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app; dependency overrides are undone after each test."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
    app.dependency_overrides.clear()
{%- if cookiecutter.auth == "jwt" %}


@pytest.fixture
def auth_headers(client: httpx.AsyncClient) -> AuthHeaders:
    """Log a user in through POST /auth/login and return their Authorization header."""

    async def headers(user: User, password: str = PASSWORD) -> dict[str, str]:
        response = await login(client, user.email, password)
        assert response.status_code == 200, response.text
        return bearer(response.json()["access_token"])

    return headers


@pytest.fixture
async def user_headers(auth_headers: AuthHeaders, user: User) -> dict[str, str]:
    """The Authorization header of `user`."""
    return await auth_headers(user)


@pytest.fixture
async def admin_headers(auth_headers: AuthHeaders, admin: User) -> dict[str, str]:
    """The Authorization header of `admin`."""
    return await auth_headers(admin)
{%- endif %}

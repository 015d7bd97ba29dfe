"""A database out of reach: 503 problem documents with Retry-After while it is away, and
recovery by itself, in the same process, once it is back."""

import logging
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import exc as sa_exc
{%- if cookiecutter.auth == "none" %}
from sqlalchemy import text
{%- endif %}
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

{% if cookiecutter.auth == "none" -%}
from app.api.deps import UowDep, get_uow
{%- else -%}
from app.api.deps import get_uow
{%- endif %}
from app.core.config import Settings, get_settings
from app.core.errors import RETRY_AFTER_SECONDS
from app.main import create_app
{%- if cookiecutter.auth == "jwt" %}
from app.models.user import User
{%- endif %}
from app.repositories.sql.database import create_engine
from app.repositories.sql.unit_of_work import SqlUnitOfWork
from app.repositories.unit_of_work import UnitOfWork
{%- if cookiecutter.auth == "jwt" %}
from tests.fixtures.http import API, bearer, login
{%- endif %}
{%- if cookiecutter.database == "postgresql" %}
from tests.fixtures.postgresql_database import DatabaseOutage
{%- endif %}
from tests.fixtures.problems import assert_problem
{%- if cookiecutter.database == "sqlite" %}
from tests.fixtures.sqlite_database import DatabaseOutage
{%- endif %}

{% if cookiecutter.auth == "jwt" -%}
# An API call that needs the database: the caller is looked up on every request.
PROBE = f"{API}/users/me"
{%- else -%}
# An API call that needs the database: the test adds one, resources are optional.
PROBE = "/probe"
{%- endif %}
SQL_SECRET = "password-in-a-query-parameter"


def _dbapi(error: type[sa_exc.DBAPIError], *, invalidated: bool = False) -> sa_exc.DBAPIError:
    orig = Exception("server closed the connection unexpectedly\nThis probably means...")
    statement = "SELECT 1 WHERE x = %(x)s"
    return error(statement, {"x": SQL_SECRET}, orig, connection_invalidated=invalidated)


# What `GET /raise/{name}` raises: errors that mean a lost database...
OUTAGES: dict[str, Callable[[], Exception]] = {
    "OperationalError": lambda: _dbapi(sa_exc.OperationalError),
    "InterfaceError": lambda: _dbapi(sa_exc.InterfaceError),
    "invalidated-DBAPIError": lambda: _dbapi(sa_exc.DBAPIError, invalidated=True),
    "pool-TimeoutError": lambda: sa_exc.TimeoutError("QueuePool limit of size 5 reached"),
    "ConnectionRefusedError": lambda: ConnectionRefusedError(111, "Connection refused"),
    "ConnectionResetError": lambda: ConnectionResetError(104, "Connection reset by peer"),
    "TimeoutError": TimeoutError,
}
# ... and errors that are bugs.
BUGS: dict[str, Callable[[], Exception]] = {
    "ProgrammingError": lambda: _dbapi(sa_exc.ProgrammingError),
    "DBAPIError": lambda: _dbapi(sa_exc.DBAPIError),
    "FileNotFoundError": lambda: FileNotFoundError("x.txt"),
}
ERRORS = OUTAGES | BUGS | {"DataError": lambda: _dbapi(sa_exc.DataError)}


def _raiser() -> FastAPI:
    """An app with one more route, which raises the error named in its path."""
    fresh = create_app()

    @fresh.get("/raise/{name}")
    async def raise_it(name: str) -> None:
        raise ERRORS[name]()

    return fresh


RAISER = _raiser()


async def _raise(name: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=RAISER, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(f"/raise/{name}")


# ---------------------------------------------------------------- which errors are outages


@pytest.mark.parametrize("name", OUTAGES)
async def test_a_lost_connection_gives_a_503_problem_with_retry_after(name: str) -> None:
    response = await _raise(name)

    body = assert_problem(response, 503)
    assert body["type"] == "/problems/service-unavailable"
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert SQL_SECRET not in response.text


@pytest.mark.parametrize("name", BUGS)
async def test_a_bug_near_the_database_stays_a_500(name: str) -> None:
    response = await _raise(name)

    assert_problem(response, 500)


async def test_a_value_the_database_refuses_gives_a_422_problem(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="app.core.errors"):
        response = await _raise("DataError")

    body = assert_problem(response, 422)
    assert body["type"] == "/problems/invalid-value"
    assert SQL_SECRET not in response.text
    (record,) = [r for r in caplog.records if r.name == "app.core.errors"]
    assert record.getMessage().startswith("Value refused by the database on GET /raise/")
    assert SQL_SECRET not in record.getMessage()


async def test_an_outage_is_logged_as_a_warning_without_sql_or_parameters(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="app.core.errors"):
        await _raise("OperationalError")

    (record,) = [r for r in caplog.records if r.name == "app.core.errors"]
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert record.getMessage() == (
        "Service unavailable on GET /raise/OperationalError: "
        "Exception: server closed the connection unexpectedly"
    )


# ---------------------------------------------------------------- a real outage


@pytest.fixture
async def outage() -> AsyncIterator[DatabaseOutage]:
    """The test database, reachable until the test takes it down."""
    outage = DatabaseOutage(get_settings().DATABASE_URL)
    await outage.up()
    yield outage
    await outage.close()


@pytest.fixture
async def outage_engine(outage: DatabaseOutage) -> AsyncIterator[AsyncEngine]:
    """An engine made as the app makes its own, on the database behind `outage`."""
    engine = create_engine(Settings(_env_file=None, DATABASE_URL=outage.url))
    yield engine
    await engine.dispose()


@pytest.fixture
async def outage_client(outage_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """A client on one app, for the whole test, whose unit of work uses `outage_engine`."""
    fresh = create_app()
    factory = async_sessionmaker(outage_engine, expire_on_commit=False)

    async def uow() -> UnitOfWork:
        return SqlUnitOfWork(factory)

    fresh.dependency_overrides[get_uow] = uow
{%- if cookiecutter.auth == "none" %}

    @fresh.get(PROBE)
    async def probe(uow: UowDep) -> dict[str, int]:
        assert isinstance(uow, SqlUnitOfWork)
        async with uow:
            return {"one": (await uow.session.execute(text("SELECT 1"))).scalar_one()}
{%- endif %}

    transport = httpx.ASGITransport(app=fresh)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_the_api_answers_503_while_the_database_is_away_and_recovers_after(
    outage: DatabaseOutage,
    outage_engine: AsyncEngine,
    outage_client: httpx.AsyncClient,
{%- if cookiecutter.auth == "jwt" %}
    user: User,
{%- endif %}
) -> None:
{%- if cookiecutter.auth == "jwt" %}
    logged_in = await login(outage_client, user.email)
    headers = bearer(logged_in.json()["access_token"])
{%- else %}
    headers: dict[str, str] = {}
{%- endif %}
    before = await outage_client.get(PROBE, headers=headers)

    await outage.down()
{%- if cookiecutter.database == "sqlite" %}
    # Open SQLite connections keep their file: losing the file means losing them too.
    await outage_engine.dispose()
{%- endif %}
    during = [await outage_client.get(PROBE, headers=headers) for _ in range(2)]
    ready_during = await outage_client.get("/health/ready")
    live_during = await outage_client.get("/health")

    await outage.up()
    after = await outage_client.get(PROBE, headers=headers)
    ready_after = await outage_client.get("/health/ready")

    assert before.status_code == 200, before.text
    for response in during:
        assert_problem(response, 503)
        assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert (ready_during.status_code, live_during.status_code) == (503, 200)
    assert (after.status_code, ready_after.status_code) == (200, 200), after.text

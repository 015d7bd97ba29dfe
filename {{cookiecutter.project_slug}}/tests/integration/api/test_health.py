"""GET /health and GET /health/ready."""

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.api.deps import get_uow
from app.core.config import Settings
from app.core.errors import RETRY_AFTER_SECONDS
from app.main import app
from app.repositories.sql.database import create_engine
from app.repositories.sql.unit_of_work import SqlUnitOfWork
from app.repositories.unit_of_work import UnitOfWork
from tests.fixtures.problems import assert_problem


@pytest.fixture
async def unreachable_database(unreachable_database_url: str) -> AsyncIterator[None]:
    """Point the app's unit of work at a database that does not answer."""
    engine = create_engine(Settings(_env_file=None, DATABASE_URL=unreachable_database_url))
    factory = async_sessionmaker(engine)

    def unreachable_uow() -> UnitOfWork:
        return SqlUnitOfWork(factory)

    app.dependency_overrides[get_uow] = unreachable_uow
    yield
    app.dependency_overrides.pop(get_uow, None)
    await engine.dispose()


async def test_liveness_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_answers_ok_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.usefixtures("unreachable_database")
async def test_readiness_answers_503_when_the_database_is_unreachable(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/health/ready")

    assert assert_problem(response, 503)["type"] == "/problems/service-unavailable"
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)


@pytest.mark.usefixtures("unreachable_database")
async def test_liveness_stays_ok_when_the_database_is_unreachable(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/health")

    assert response.status_code == 200

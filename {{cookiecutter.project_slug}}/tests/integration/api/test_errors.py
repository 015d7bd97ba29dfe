"""Every error leaves the app as a problem document, and nothing internal leaks."""

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.core.config import Settings
from app.main import create_app
from app.repositories.sql.database import get_engine
from tests.fixtures.http import API
from tests.fixtures.problems import assert_problem, assert_validation_problem

SECRET_MESSAGE = "connection string with password hunter2"


@pytest.fixture
def failing_app() -> FastAPI:
    """A fresh app with one extra route that fails the way a bug would."""
    fresh = create_app()

    @fresh.get("/boom")
    async def boom() -> None:
        raise RuntimeError(SECRET_MESSAGE)

    return fresh


@pytest.fixture
async def failing_client(failing_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client that gets the 500 response instead of the exception."""
    transport = httpx.ASGITransport(app=failing_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_an_unknown_route_gives_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/route")

    body = assert_problem(response, 404)
    assert body["type"] == "about:blank"


async def test_a_wrong_method_gives_a_405_problem_with_the_allowed_methods(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete("/health")

    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]


async def test_malformed_json_gives_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/register",
        content=b'{"email": "ada@example.com", ',
        headers={"Content-Type": "application/json"},
    )

    body = assert_problem(response, 422)
    assert body["type"] == "/problems/validation-error"
    assert [error["type"] for error in body["errors"]] == ["json_invalid"]


async def test_a_body_of_the_wrong_type_gives_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/auth/register", json=["not", "an", "object"])

    assert_validation_problem(response, "body")


async def test_an_unexpected_error_gives_a_500_problem(
    failing_client: httpx.AsyncClient,
) -> None:
    response = await failing_client.get("/boom")

    body = assert_problem(response, 500)
    assert body == {
        "type": "/problems/internal-error",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "An unexpected error occurred.",
    }


async def test_an_unexpected_error_leaks_no_traceback_or_message(
    failing_client: httpx.AsyncClient,
) -> None:
    response = await failing_client.get("/boom")

    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    assert SECRET_MESSAGE not in response.text


async def test_an_unexpected_error_is_logged_with_its_traceback(
    failing_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="app.core.errors"):
        await failing_client.get("/boom")

    (record,) = [r for r in caplog.records if r.name == "app.core.errors"]
    assert "GET /boom" in record.getMessage()
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


async def test_cors_origins_from_the_settings_are_allowed() -> None:
    origin = "https://app.example.com"
    cors_app = create_app(Settings(_env_file=None, CORS_ORIGINS=[origin]))
    transport = httpx.ASGITransport(app=cors_app)

    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.options(
            "/health", headers={"Origin": origin, "Access-Control-Request-Method": "GET"}
        )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin


async def test_without_cors_origins_no_cors_header_is_sent(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"Origin": "https://evil.example.com"})

    assert "access-control-allow-origin" not in response.headers


async def test_shutting_the_app_down_releases_the_database_connections() -> None:
    fresh = create_app()
    pool_before = get_engine().pool

    async with fresh.router.lifespan_context(fresh):
        pass

    assert get_engine().pool is not pool_before

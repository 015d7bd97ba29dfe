"""Every error leaves the app as a problem document, and nothing internal leaks."""

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from app.core.config import Settings
from app.core.errors import ConflictError
from app.main import create_app
from app.repositories.sql.database import get_engine
from tests.fixtures.problems import assert_problem, assert_validation_problem

SECRET_MESSAGE = "connection string with password hunter2"


class Greeting(BaseModel):
    """A JSON body with one required field."""

    name: str


@pytest.fixture
def extra_app() -> FastAPI:
    """A fresh app with extra routes: a bug, an error raised on purpose, and a JSON body."""
    fresh = create_app()

    @fresh.get("/boom")
    async def boom() -> None:
        raise RuntimeError(SECRET_MESSAGE)

    @fresh.get("/clash")
    async def clash() -> None:
        raise ConflictError("That name is taken.")

    @fresh.post("/echo")
    async def echo(greeting: Greeting) -> Greeting:
        return greeting

    return fresh


@pytest.fixture
async def extra_client(extra_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client on `extra_app` that gets the 500 response instead of the exception."""
    transport = httpx.ASGITransport(app=extra_app, raise_app_exceptions=False)
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


async def test_an_app_error_gives_the_problem_document_of_its_class(
    extra_client: httpx.AsyncClient,
) -> None:
    response = await extra_client.get("/clash")

    body = assert_problem(response, 409)
    assert (body["type"], body["detail"]) == ("/problems/conflict", "That name is taken.")


async def test_malformed_json_gives_a_422_problem(extra_client: httpx.AsyncClient) -> None:
    response = await extra_client.post(
        "/echo",
        content=b'{"name": "Ada", ',
        headers={"Content-Type": "application/json"},
    )

    body = assert_problem(response, 422)
    assert body["type"] == "/problems/validation-error"
    assert [error["type"] for error in body["errors"]] == ["json_invalid"]


async def test_a_body_of_the_wrong_type_gives_a_422_problem(
    extra_client: httpx.AsyncClient,
) -> None:
    response = await extra_client.post("/echo", json=["not", "an", "object"])

    assert_validation_problem(response, "body")


async def test_an_unexpected_error_gives_a_500_problem(
    extra_client: httpx.AsyncClient,
) -> None:
    response = await extra_client.get("/boom")

    body = assert_problem(response, 500)
    assert body == {
        "type": "/problems/internal-error",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "An unexpected error occurred.",
    }


async def test_an_unexpected_error_leaks_no_traceback_or_message(
    extra_client: httpx.AsyncClient,
) -> None:
    response = await extra_client.get("/boom")

    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    assert SECRET_MESSAGE not in response.text


async def test_an_unexpected_error_is_logged_with_its_traceback(
    extra_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="app.core.errors"):
        await extra_client.get("/boom")

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

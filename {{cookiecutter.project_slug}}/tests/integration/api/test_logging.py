"""What a request leaves in the logs: its request id on every line, one access line, and
{%- if cookiecutter.auth == "jwt" %} never a password or a token.{% else %} never its query string.{% endif %}"""

import io
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.config import Settings, get_settings
from app.core.logging import configure_logging
from app.main import create_app
from app.repositories.sql.database import create_engine
{%- if cookiecutter.auth == "jwt" %}
from tests.fixtures.factories import register_body
from tests.fixtures.http import API, bearer, login
{%- endif %}

logger = logging.getLogger("app.work")

CaptureLogs = Callable[..., io.StringIO]


@pytest.fixture
def capture_logs() -> Iterator[CaptureLogs]:
    """Send the app's log lines, formatted, to a buffer; restore the usual handler after."""

    def capture(**settings: Any) -> io.StringIO:
        stream = io.StringIO()
        configure_logging(Settings(_env_file=None, **settings), stream=stream)
        return stream

    yield capture
    configure_logging(get_settings())


def _work_app() -> FastAPI:
    """An app with a route that logs and one that fails."""
    fresh = create_app()

    @fresh.get("/work")
    async def work() -> dict[str, str]:
        logger.info("working on it")
        logger.warning("almost done")
        return {"status": "done"}

    @fresh.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    return fresh


WORK_APP = _work_app()


@pytest.fixture
async def work_client() -> AsyncIterator[httpx.AsyncClient]:
    """A client on WORK_APP."""
    transport = httpx.ASGITransport(app=WORK_APP, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def _lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


async def test_every_line_a_request_logs_carries_its_request_id(
    work_client: httpx.AsyncClient, capture_logs: CaptureLogs
) -> None:
    output = capture_logs(LOG_FORMAT="text")

    response = await work_client.get("/work", headers={"X-Request-ID": "trace-me-1"})

    lines = _lines(output)
    assert response.headers["x-request-id"] == "trace-me-1"
    assert len(lines) == 3, lines
    assert all("[trace-me-1]" in line for line in lines), lines
    assert "working on it" in lines[0]
    assert lines[-1].split("] ", 1)[1].startswith("GET /work 200 ")


async def test_json_lines_parse_and_the_access_line_has_its_fields(
    work_client: httpx.AsyncClient, capture_logs: CaptureLogs
) -> None:
    output = capture_logs(LOG_FORMAT="json")

    response = await work_client.get("/work")

    entries = [json.loads(line) for line in _lines(output)]
    request_id = response.headers["x-request-id"]
    assert [entry["request_id"] for entry in entries] == [request_id] * 3
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in entries)
    (access,) = [entry for entry in entries if entry["logger"] == "app.access"]
    assert (access["method"], access["path"], access["status"]) == ("GET", "/work", 200)
    assert isinstance(access["duration_ms"], float)
    assert access["duration_ms"] >= 0


async def test_the_error_of_a_failing_request_is_logged_with_its_request_id(
    work_client: httpx.AsyncClient, capture_logs: CaptureLogs
) -> None:
    output = capture_logs(LOG_FORMAT="json")

    response = await work_client.get("/boom")

    entries = [json.loads(line) for line in _lines(output)]
    request_id = response.headers["x-request-id"]
    (error,) = [entry for entry in entries if entry["level"] == "ERROR"]
    (access,) = [entry for entry in entries if entry["logger"] == "app.access"]
    assert (error["request_id"], access["request_id"]) == (request_id, request_id)
    assert "RuntimeError: a bug" in error["exception"]
    assert access["status"] == 500


async def test_the_access_line_leaves_the_query_string_out(
    client: httpx.AsyncClient, capture_logs: CaptureLogs
) -> None:
    output = capture_logs(LOG_FORMAT="text")

    await client.get("/health", params={"token": "query-secret"})

    (line,) = _lines(output)
    assert "GET /health 200" in line
    assert "query-secret" not in line


async def test_a_path_cannot_forge_a_log_line(
    client: httpx.AsyncClient, capture_logs: CaptureLogs
) -> None:
    output = capture_logs(LOG_FORMAT="text")

    await client.get("/health%0A2024-01-01 00:00:00,000 INFO     app.access [-] forged")

    (line,) = _lines(output)
    assert "GET /health\\n2024-01-01" in line


async def test_no_access_line_is_logged_above_info(
    client: httpx.AsyncClient, capture_logs: CaptureLogs
) -> None:
    output = capture_logs(LOG_LEVEL="WARNING")

    response = await client.get("/health")

    assert response.status_code == 200
    assert output.getvalue() == ""


@pytest.mark.parametrize(("environment", "hidden"), [("test", False), ("production", True)])
async def test_production_keeps_sql_parameters_out_of_errors_and_logs(
    environment: str, hidden: bool
) -> None:
    engine = create_engine(Settings(_env_file=None, ENVIRONMENT=environment))

    assert engine.sync_engine.hide_parameters is hidden
    await engine.dispose()


async def test_lines_outside_a_request_carry_a_dash(capture_logs: CaptureLogs) -> None:
    output = capture_logs(LOG_FORMAT="text")

    logger.warning("between requests")

    assert "[-] between requests" in output.getvalue()
{%- if cookiecutter.auth == "jwt" %}


async def test_sign_up_and_login_log_neither_the_password_nor_the_tokens(
    client: httpx.AsyncClient, capture_logs: CaptureLogs, caplog: pytest.LogCaptureFixture
) -> None:
    output = capture_logs(LOG_FORMAT="json", LOG_LEVEL="DEBUG")
    caplog.set_level(logging.DEBUG)
    body = register_body(password="very-secret-password-7")

    registered = await client.post(f"{API}/auth/register", json=body)
    failed = await login(client, body["email"], "wrong-password-but-long-9")
    logged_in = await login(client, body["email"], body["password"])
    tokens = logged_in.json()
    me = await client.get(f"{API}/users/me", headers=bearer(tokens["access_token"]))

    assert [r.status_code for r in (registered, failed, logged_in, me)] == [201, 401, 200, 200]
    secrets = [
        body["password"],
        "wrong-password-but-long-9",
        tokens["access_token"],
        tokens["refresh_token"],
    ]
    records = "\n".join(f"{r.getMessage()} {r.args!r} {vars(r)!r}" for r in caplog.records)
    assert caplog.records
    assert [secret for secret in secrets if secret in records] == []
    assert [secret for secret in secrets if secret in output.getvalue()] == []
{%- endif %}

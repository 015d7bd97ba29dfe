"""HTTP hardening: security headers, request ids, trusted hosts and the body-size limit."""

import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel
from starlette.types import Message, Receive, Scope, Send

from app.core.config import Settings
from app.core.middleware import (
    BodySizeLimitMiddleware,
    RequestBodyTooLarge,
    RequestLogMiddleware,
    SecurityHeadersMiddleware,
    TrustedHostMiddleware,
)
from app.main import create_app
from tests.fixtures.problems import assert_problem

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
LIMIT = 1000


class Note(BaseModel):
    """A JSON body."""

    text: str


def _app(**settings: Any) -> FastAPI:
    """A fresh app with these settings, a route that fails, and routes that take a body."""
    fresh = create_app(Settings(_env_file=None, **settings))

    @fresh.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    @fresh.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        return {"received": len(await request.body())}

    @fresh.post("/note")
    async def note(body: Note) -> dict[str, int]:
        return {"received": len(body.text)}

    return fresh


def _client(app: FastAPI, host: str = "test") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url=f"http://{host}")


# Made once: an app's first request builds its routes, which takes a while.
HARDENED = _app(MAX_REQUEST_BODY_BYTES=LIMIT, ALLOWED_HOSTS=["api.example.com", "*.example.org"])


@pytest.fixture
async def hardened() -> AsyncIterator[httpx.AsyncClient]:
    """A client on an app with a small body limit and two allowed host patterns."""
    async with _client(HARDENED, host="api.example.com") as client:
        yield client


# ---------------------------------------------------------------- security headers


@pytest.mark.parametrize("path", ["/health", "/no/such/route", "/boom"])
async def test_every_response_carries_the_security_headers(
    hardened: httpx.AsyncClient, path: str
) -> None:
    response = await hardened.get(path)

    assert {name: response.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS


async def test_the_500_of_an_unexpected_error_carries_the_headers_and_a_request_id(
    hardened: httpx.AsyncClient,
) -> None:
    response = await hardened.get("/boom")

    assert_problem(response, 500)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_hsts_is_off_by_default(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")

    assert "strict-transport-security" not in response.headers


async def test_hsts_is_sent_when_configured() -> None:
    async with _client(_app(HSTS_SECONDS=31536000)) as client:
        response = await client.get("/health")

    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


async def test_a_header_the_route_sets_itself_is_kept() -> None:
    app = _app()

    @app.get("/framed")
    async def framed() -> PlainTextResponse:
        return PlainTextResponse("ok", headers={"X-Frame-Options": "SAMEORIGIN"})

    async with _client(app) as client:
        response = await client.get("/framed")

    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]


async def test_the_docs_page_is_served_with_the_headers_and_no_csp(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/docs")

    assert response.status_code == 200
    assert "swagger" in response.text.lower()
    assert response.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" not in response.headers


# ---------------------------------------------------------------- request ids


async def test_a_request_without_an_id_gets_a_fresh_one(client: httpx.AsyncClient) -> None:
    first = await client.get("/health")
    second = await client.get("/health")

    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in ids)
    assert ids[0] != ids[1]


@pytest.mark.parametrize("request_id", ["abc", "req-2024.01_A", "x" * 128])
async def test_a_sane_request_id_is_sent_back(client: httpx.AsyncClient, request_id: str) -> None:
    response = await client.get("/health", headers={"X-Request-ID": request_id})

    assert response.headers["x-request-id"] == request_id


@pytest.mark.parametrize("request_id", ["", "x" * 129, "a b", "id;drop", "<script>", "ä"])
async def test_an_odd_request_id_is_replaced(client: httpx.AsyncClient, request_id: str) -> None:
    response = await client.get("/health", headers=[(b"x-request-id", request_id.encode())])

    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


# ---------------------------------------------------------------- trusted hosts


@pytest.mark.parametrize(
    "host", ["api.example.com", "API.Example.com:8443", "a.example.org", "b.a.example.org"]
)
async def test_an_allowed_host_is_served(hardened: httpx.AsyncClient, host: str) -> None:
    response = await hardened.get("/health", headers={"Host": host})

    assert response.status_code == 200


@pytest.mark.parametrize("host", ["evil.example.net", "example.org", "api.example.com.evil.net"])
async def test_another_host_gives_a_400_problem(hardened: httpx.AsyncClient, host: str) -> None:
    response = await hardened.get("/health", headers={"Host": host})

    body = assert_problem(response, 400)
    assert "Host" in body["detail"]
    assert response.headers["x-frame-options"] == "DENY"


async def test_an_ipv6_host_is_matched_without_its_port() -> None:
    async with _client(_app(ALLOWED_HOSTS=["[::1]"])) as client:
        allowed = await client.get("/health", headers={"Host": "[::1]:8000"})
        refused = await client.get("/health", headers={"Host": "[::2]:8000"})

    assert (allowed.status_code, refused.status_code) == (200, 400)


async def test_by_default_any_host_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"Host": "whatever.invalid"})

    assert response.status_code == 200


# ---------------------------------------------------------------- body size


async def test_a_body_within_the_limit_is_read(hardened: httpx.AsyncClient) -> None:
    response = await hardened.post("/upload", content=b"x" * LIMIT)

    assert response.json() == {"received": LIMIT}


async def test_a_declared_length_over_the_limit_gives_a_413_problem(
    hardened: httpx.AsyncClient,
) -> None:
    response = await hardened.post("/upload", content=b"x" * (LIMIT + 1))

    body = assert_problem(response, 413)
    assert str(LIMIT) in body["detail"]


async def test_a_streamed_body_over_the_limit_gives_a_413_problem(
    hardened: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"x" * 300

    response = await hardened.post("/upload", content=chunks())

    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


async def test_a_streamed_json_body_over_the_limit_gives_a_413_not_a_400_or_422(
    hardened: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"text": "'
        for _ in range(5):
            yield b"x" * 300
        yield b'"}'

    response = await hardened.post(
        "/note", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert_problem(response, 413)


async def test_a_json_body_within_the_limit_reaches_the_route(hardened: httpx.AsyncClient) -> None:
    response = await hardened.post("/note", json={"text": "x" * 500})

    assert response.json() == {"received": 500}


async def test_a_body_longer_than_its_content_length_is_cut_off_at_the_limit() -> None:
    """The limit does not trust Content-Length: the bytes are counted as they arrive."""
    messages: list[Message] = [
        {"type": "http.request", "body": b"x" * 600, "more_body": True},
        {"type": "http.request", "body": b"x" * 600, "more_body": False},
    ]

    async def receive() -> Message:
        return messages.pop(0)

    async def read_all(scope: Scope, receive: Receive, send: Send) -> None:
        while (await receive()).get("more_body"):
            pass

    async def send(_: Message) -> None:
        raise AssertionError("nothing is sent")

    middleware = BodySizeLimitMiddleware(read_all, max_bytes=LIMIT)
    scope = {"type": "http", "headers": [(b"content-length", b"10")]}

    with pytest.raises(RequestBodyTooLarge):
        await middleware(scope, receive, send)


# ---------------------------------------------------------------- other scopes


@pytest.mark.parametrize(
    "wrap",
    [
        RequestLogMiddleware,
        SecurityHeadersMiddleware,
        lambda app: TrustedHostMiddleware(app, ["api.example.com"]),
        lambda app: BodySizeLimitMiddleware(app, 1),
    ],
    ids=["request-log", "security-headers", "trusted-host", "body-size-limit"],
)
async def test_the_middlewares_pass_other_scopes_through_untouched(wrap: Any) -> None:
    seen: list[Scope] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    async def receive() -> Message:
        raise AssertionError("not called")

    async def send(_: Message) -> None:
        raise AssertionError("not called")

    scope: Scope = {"type": "lifespan", "headers": [(b"host", b"evil.example.net")]}
    await wrap(inner)(scope, receive, send)

    assert seen == [scope]


async def test_production_warns_when_any_host_is_allowed(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="app.main"):
        create_app(Settings(_env_file=None, ENVIRONMENT="production"))

    assert "ALLOWED_HOSTS allows any Host header" in caplog.text


async def test_the_body_limit_passes_a_disconnect_through() -> None:
    seen: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def read_once(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(await receive())

    async def send(_: Message) -> None:
        raise AssertionError("nothing is sent")

    scope: Scope = {"type": "http", "headers": []}
    await BodySizeLimitMiddleware(read_once, max_bytes=1)(scope, receive, send)

    assert seen == [{"type": "http.disconnect"}]

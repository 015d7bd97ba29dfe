"""Who may call what: every protected route needs a token, admin routes need the role.

The protected routes are read from the OpenAPI document, so a new route is checked as
soon as it exists; the public and admin-only routes are listed here on purpose, so that
opening a route to more callers is a change a reviewer sees.
"""

import re
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.main import app
from tests.fixtures.http import API
from tests.fixtures.problems import assert_problem, assert_unauthenticated

PUBLIC = {
    ("GET", "/health"),
    ("GET", "/health/ready"),
    ("POST", f"{API}/auth/register"),
    ("POST", f"{API}/auth/login"),
    ("POST", f"{API}/auth/refresh"),
    ("POST", f"{API}/auth/logout"),
    ("POST", f"{API}/auth/password-recovery"),
    ("POST", f"{API}/auth/password-reset"),
    ("POST", f"{API}/auth/verify-email"),
}

ADMIN_ONLY = [
    ("GET", f"{API}/users"),
    ("POST", f"{API}/users"),
    ("GET", API + "/users/{user_id}"),
    ("PATCH", API + "/users/{user_id}"),
    ("DELETE", API + "/users/{user_id}"),
    ("POST", API + "/users/{user_id}/email-verification"),
]


# What a user whose email is unverified may still do with EMAIL_VERIFICATION=required.
UNVERIFIED_ALLOWED = {
    ("GET", f"{API}/users/me"),
    ("POST", f"{API}/users/me/email-verification"),
}


def _operations() -> list[tuple[str, str]]:
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return sorted((method.upper(), path) for path, ops in paths.items() for method in ops)


PROTECTED = [operation for operation in _operations() if operation not in PUBLIC]


def _ids(operations: list[tuple[str, str]]) -> list[str]:
    return [f"{method} {path}" for method, path in operations]


async def _call(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    # Any id will do: access is checked before the resource is looked up.
    url = re.sub(r"\{\w+_id\}", "1", path)
    body: dict[str, object] | None = {} if method in {"POST", "PATCH", "PUT"} else None
    return await client.request(method, url, json=body, headers=headers)


def test_the_public_routes_are_exactly_those_without_a_security_requirement() -> None:
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    public = {
        (method.upper(), path)
        for path, ops in paths.items()
        for method, operation in ops.items()
        if operation["security"] == []
    }

    assert public == PUBLIC


@pytest.mark.parametrize(("method", "path"), PROTECTED, ids=_ids(PROTECTED))
async def test_a_protected_route_without_a_token_gives_401(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await _call(client, method, path)

    assert_unauthenticated(response)


@pytest.mark.parametrize(("method", "path"), ADMIN_ONLY, ids=_ids(ADMIN_ONLY))
async def test_an_admin_route_gives_403_to_a_normal_user(
    client: httpx.AsyncClient, user_headers: dict[str, str], method: str, path: str
) -> None:
    response = await _call(client, method, path, headers=user_headers)

    body = assert_problem(response, 403)
    assert body["type"] == "/problems/forbidden"


@pytest.mark.parametrize(("method", "path"), ADMIN_ONLY, ids=_ids(ADMIN_ONLY))
async def test_an_admin_route_documents_403(method: str, path: str) -> None:
    operation = app.openapi()["paths"][path][method.lower()]

    assert "403" in operation["responses"]


UNVERIFIED_REFUSED = [operation for operation in PROTECTED if operation not in UNVERIFIED_ALLOWED]


@pytest.fixture
def verification_required(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """EMAIL_VERIFICATION=required for this test."""
    monkeypatch.setattr(settings, "EMAIL_VERIFICATION", "required")


@pytest.mark.usefixtures("verification_required")
@pytest.mark.parametrize(("method", "path"), UNVERIFIED_REFUSED, ids=_ids(UNVERIFIED_REFUSED))
async def test_an_unverified_user_gets_403_saying_why_when_verification_is_required(
    client: httpx.AsyncClient, user_headers: dict[str, str], method: str, path: str
) -> None:
    response = await _call(client, method, path, headers=user_headers)

    body = assert_problem(response, 403)
    assert body["type"] == "/problems/email-not-verified"
    assert "users/me/email-verification" in body["detail"]


@pytest.mark.usefixtures("verification_required")
@pytest.mark.parametrize(("method", "path"), sorted(UNVERIFIED_ALLOWED))
async def test_an_unverified_user_may_read_their_account_and_ask_for_a_link(
    client: httpx.AsyncClient, user_headers: dict[str, str], method: str, path: str
) -> None:
    response = await client.request(method, path, headers=user_headers)

    assert response.status_code in (200, 202), response.text


async def test_a_bearer_scheme_other_than_bearer_is_not_accepted(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    token = user_headers["Authorization"].removeprefix("Bearer ")

    response = await client.get(f"{API}/users/me", headers={"Authorization": f"Basic {token}"})

    assert_unauthenticated(response)

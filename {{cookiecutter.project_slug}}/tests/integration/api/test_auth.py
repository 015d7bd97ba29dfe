"""POST /api/v1/auth/register, /login, /refresh and /logout; GET /api/v1/auth/sessions.

The attacks on them (forged tokens, stolen refresh tokens, brute force, ...) are in
test_attacks.py.
"""

from typing import Any

import httpx
import pytest

from app.core.security import Role
from app.models.user import User
from app.services.auth import BAD_CREDENTIALS
from tests.fixtures.factories import PASSWORD, MakeUser, register_body
from tests.fixtures.http import API, bearer, login
from tests.fixtures.problems import (
    assert_problem,
    assert_unauthenticated,
    assert_validation_problem,
)

REGISTER = f"{API}/auth/register"
REFRESH = f"{API}/auth/refresh"
LOGOUT = f"{API}/auth/logout"
SESSIONS = f"{API}/auth/sessions"


@pytest.fixture
async def tokens(client: httpx.AsyncClient, user: User) -> dict[str, Any]:
    """The token pair of a login of `user`."""
    response = await login(client, user.email)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# ---------------------------------------------------------------- register


async def test_register_creates_an_account_with_the_user_role(client: httpx.AsyncClient) -> None:
    response = await client.post(REGISTER, json=register_body(email="ada@example.com"))

    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "ada@example.com"
    assert body["role"] == Role.USER
    assert body["is_active"] is True
    assert isinstance(body["id"], int)


async def test_register_never_returns_the_password_or_its_hash(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(REGISTER, json=register_body())

    assert set(response.json()) == {
        "id",
        "email",
        "full_name",
        "email_verified",
        "role",
        "is_active",
        "created_at",
        "updated_at",
    }


async def test_register_normalises_the_email_to_lower_case(client: httpx.AsyncClient) -> None:
    response = await client.post(REGISTER, json=register_body(email="  Ada@Example.COM "))

    assert response.json()["email"] == "ada@example.com"


async def test_a_registered_user_can_log_in(client: httpx.AsyncClient) -> None:
    await client.post(REGISTER, json=register_body(email="ada@example.com", password=PASSWORD))

    response = await login(client, "ada@example.com", PASSWORD)

    assert response.status_code == 200


async def test_register_with_a_taken_email_gives_409(client: httpx.AsyncClient, user: User) -> None:
    response = await client.post(REGISTER, json=register_body(email=user.email))

    body = assert_problem(response, 409)
    assert body["type"] == "/problems/conflict"


async def test_register_with_a_taken_email_in_other_case_gives_409(
    client: httpx.AsyncClient, user: User
) -> None:
    response = await client.post(REGISTER, json=register_body(email=user.email.upper()))

    assert_problem(response, 409)


@pytest.mark.parametrize(
    "password",
    ["short1!", "onlyletters", "1234567890", "x1" * 65],
    ids=["too-short", "letters-only", "digits-only", "too-long"],
)
async def test_register_with_a_weak_password_gives_422(
    client: httpx.AsyncClient, password: str
) -> None:
    response = await client.post(REGISTER, json=register_body(password=password))

    assert_validation_problem(response, "body", "password")


async def test_register_with_an_invalid_email_gives_422(client: httpx.AsyncClient) -> None:
    response = await client.post(REGISTER, json=register_body(email="not-an-email"))

    assert_validation_problem(response, "body", "email")


async def test_register_without_a_password_gives_422(client: httpx.AsyncClient) -> None:
    body = register_body()
    del body["password"]

    response = await client.post(REGISTER, json=body)

    assert_validation_problem(response, "body", "password")


# ---------------------------------------------------------------- login


async def test_login_returns_a_bearer_token_pair(client: httpx.AsyncClient, user: User) -> None:
    response = await login(client, user.email)

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert body["access_token"]
    assert body["refresh_token"]


async def test_the_access_token_from_login_opens_protected_routes(
    client: httpx.AsyncClient, tokens: dict[str, Any], user: User
) -> None:
    response = await client.get(f"{API}/users/me", headers=bearer(tokens["access_token"]))

    assert response.json()["id"] == user.id


async def test_login_with_a_wrong_password_gives_401(client: httpx.AsyncClient, user: User) -> None:
    response = await login(client, user.email, "wrong-password-1")

    body = assert_unauthenticated(response)
    assert body["detail"] == BAD_CREDENTIALS


async def test_login_of_an_inactive_user_gives_401(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    inactive = await make_user(is_active=False)

    response = await login(client, inactive.email)

    assert assert_unauthenticated(response)["detail"] == BAD_CREDENTIALS


async def test_login_without_the_password_field_gives_422(
    client: httpx.AsyncClient, user: User
) -> None:
    response = await client.post(f"{API}/auth/login", data={"username": user.email})

    assert_validation_problem(response, "body", "password")


async def test_login_with_json_instead_of_a_form_gives_422(
    client: httpx.AsyncClient, user: User
) -> None:
    response = await client.post(
        f"{API}/auth/login", json={"username": user.email, "password": PASSWORD}
    )

    assert_validation_problem(response, "body", "username")


# ---------------------------------------------------------------- refresh


async def test_refresh_returns_a_new_token_pair(
    client: httpx.AsyncClient, tokens: dict[str, Any]
) -> None:
    response = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})

    assert response.status_code == 200
    body = response.json()
    assert body["refresh_token"] != tokens["refresh_token"]
    assert body["access_token"] != tokens["access_token"]


async def test_the_new_refresh_token_works(
    client: httpx.AsyncClient, tokens: dict[str, Any]
) -> None:
    first = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})

    second = await client.post(REFRESH, json={"refresh_token": first.json()["refresh_token"]})

    assert second.status_code == 200


async def test_refresh_with_an_empty_token_gives_422(client: httpx.AsyncClient) -> None:
    response = await client.post(REFRESH, json={"refresh_token": ""})

    assert_validation_problem(response, "body", "refresh_token")


async def test_refresh_with_an_unknown_field_gives_422(
    client: httpx.AsyncClient, tokens: dict[str, Any]
) -> None:
    body = {"refresh_token": tokens["refresh_token"], "user_id": 1}

    response = await client.post(REFRESH, json=body)

    assert_validation_problem(response, "body", "user_id")


# ---------------------------------------------------------------- logout


async def test_logout_answers_204_without_a_body(
    client: httpx.AsyncClient, tokens: dict[str, Any]
) -> None:
    response = await client.post(LOGOUT, json={"refresh_token": tokens["refresh_token"]})

    assert response.status_code == 204
    assert response.content == b""


async def test_refresh_after_logout_gives_401(
    client: httpx.AsyncClient, tokens: dict[str, Any]
) -> None:
    await client.post(LOGOUT, json={"refresh_token": tokens["refresh_token"]})

    response = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})

    assert_unauthenticated(response)


async def test_logout_with_an_invalid_token_gives_401(client: httpx.AsyncClient) -> None:
    response = await client.post(LOGOUT, json={"refresh_token": "not-a-jwt"})

    assert_unauthenticated(response)


async def test_logout_without_a_token_gives_422(client: httpx.AsyncClient) -> None:
    response = await client.post(LOGOUT, json={})

    assert_validation_problem(response, "body", "refresh_token")


# ---------------------------------------------------------------- sessions


async def test_sessions_lists_each_login_with_its_user_agent_and_marks_this_one(
    client: httpx.AsyncClient, user: User
) -> None:
    await client.post(
        f"{API}/auth/login",
        data={"username": user.email, "password": PASSWORD},
        headers={"User-Agent": "phone/2.0"},
    )
    this = (await login(client, user.email)).json()

    response = await client.get(SESSIONS, headers=bearer(this["access_token"]))

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2
    phone, current = body["items"]
    assert set(phone) == {
        "id",
        "user_agent",
        "created_at",
        "last_used_at",
        "expires_at",
        "current",
    }
    assert (phone["user_agent"], phone["current"]) == ("phone/2.0", False)
    assert current["current"] is True


async def test_sessions_leaves_out_ended_sessions(
    client: httpx.AsyncClient, tokens: dict[str, Any], user: User
) -> None:
    ended = (await login(client, user.email)).json()
    await client.post(LOGOUT, json={"refresh_token": ended["refresh_token"]})

    response = await client.get(SESSIONS, headers=bearer(tokens["access_token"]))

    assert response.json()["total"] == 1


async def test_deleting_a_missing_session_gives_404(
    client: httpx.AsyncClient, tokens: dict[str, Any]
) -> None:
    response = await client.delete(f"{SESSIONS}/424242", headers=bearer(tokens["access_token"]))

    body = assert_problem(response, 404)
    assert body["type"] == "/problems/not-found"


@pytest.mark.parametrize("session_id", ["0", "abc", str(2**31)])
async def test_deleting_a_session_with_an_invalid_id_gives_422(
    client: httpx.AsyncClient, tokens: dict[str, Any], session_id: str
) -> None:
    response = await client.delete(
        f"{SESSIONS}/{session_id}", headers=bearer(tokens["access_token"])
    )

    assert_validation_problem(response, "path", "session_id")

"""GET/PATCH /api/v1/users/me, and the admin-only /api/v1/users routes."""

from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.models.user import User
from tests.fixtures.db import fetch
from tests.fixtures.factories import PASSWORD, MakeUser, register_body
from tests.fixtures.http import API, bearer, login
from tests.fixtures.problems import (
    assert_problem,
    assert_unauthenticated,
    assert_validation_problem,
)

ME = f"{API}/users/me"
USERS = f"{API}/users"
NEW_PASSWORD = "another-horse-43"


def _user_url(user: User | int) -> str:
    return f"{USERS}/{user if isinstance(user, int) else user.id}"


# ---------------------------------------------------------------- GET /users/me


async def test_read_me_returns_the_callers_account(
    client: httpx.AsyncClient, user: User, user_headers: dict[str, str]
) -> None:
    response = await client.get(ME, headers=user_headers)

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["email"], body["role"]) == (user.id, user.email, "user")
    assert "hashed_password" not in body


async def test_read_me_without_a_token_gives_401(client: httpx.AsyncClient) -> None:
    response = await client.get(ME)

    assert_unauthenticated(response)


async def test_read_me_with_a_forged_token_gives_401(client: httpx.AsyncClient) -> None:
    response = await client.get(ME, headers=bearer("not.a.jwt"))

    assert_unauthenticated(response)


# ---------------------------------------------------------------- PATCH /users/me


async def test_update_me_changes_the_fields_sent(
    client: httpx.AsyncClient, user: User, user_headers: dict[str, str]
) -> None:
    response = await client.patch(ME, json={"full_name": "Grace Hopper"}, headers=user_headers)

    assert response.status_code == 200
    assert response.json()["full_name"] == "Grace Hopper"
    assert response.json()["email"] == user.email


async def test_update_me_to_a_taken_email_gives_409(
    client: httpx.AsyncClient, other_user: User, user_headers: dict[str, str]
) -> None:
    body = {"email": other_user.email, "current_password": PASSWORD}

    response = await client.patch(ME, json=body, headers=user_headers)

    assert_problem(response, 409)


async def test_update_me_with_a_weak_password_gives_422(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    response = await client.patch(ME, json={"password": "short"}, headers=user_headers)

    assert_validation_problem(response, "body", "password")


async def test_after_a_password_change_the_new_password_logs_in(
    client: httpx.AsyncClient, user: User, user_headers: dict[str, str]
) -> None:
    body = {"password": NEW_PASSWORD, "current_password": PASSWORD}

    response = await client.patch(ME, json=body, headers=user_headers)

    assert response.status_code == 200
    assert (await login(client, user.email, NEW_PASSWORD)).status_code == 200
    assert (await login(client, user.email, PASSWORD)).status_code == 401


async def test_a_new_email_or_password_needs_the_current_password(
    client: httpx.AsyncClient, user: User, user_headers: dict[str, str]
) -> None:
    # Without it, or with a wrong one: see test_attacks.py for both.
    response = await client.patch(ME, json={"password": NEW_PASSWORD}, headers=user_headers)

    body = assert_problem(response, 422)
    assert "current_password" in body["detail"]
    stored = await fetch(User, user.id)
    assert stored is not None
    assert stored.hashed_password == user.hashed_password


async def test_a_new_email_with_the_current_password_logs_in_when_verification_is_off(
    client: httpx.AsyncClient,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    user_headers: dict[str, str],
) -> None:
    # With verification on, the change waits for the mailed link: test_email_verification.py.
    monkeypatch.setattr(settings, "EMAIL_VERIFICATION", "off")
    body = {"email": "New@Example.com", "current_password": PASSWORD}

    response = await client.patch(ME, json=body, headers=user_headers)

    assert response.json()["email"] == "new@example.com"
    assert (await login(client, "new@example.com")).status_code == 200


async def test_update_me_without_a_token_gives_401(client: httpx.AsyncClient) -> None:
    response = await client.patch(ME, json={"full_name": "Nobody"})

    assert_unauthenticated(response)


# ---------------------------------------------------------------- GET /users


async def test_an_admin_lists_users_as_a_page(
    client: httpx.AsyncClient, admin: User, user: User, admin_headers: dict[str, str]
) -> None:
    response = await client.get(USERS, headers=admin_headers)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "total", "limit", "offset"}
    assert [u["id"] for u in body["items"]] == [admin.id, user.id]
    assert (body["total"], body["limit"], body["offset"]) == (2, 20, 0)


async def test_the_user_list_pages_with_limit_and_offset(
    client: httpx.AsyncClient, make_user: MakeUser, admin_headers: dict[str, str]
) -> None:
    created = [await make_user() for _ in range(3)]

    response = await client.get(USERS, params={"limit": 2, "offset": 2}, headers=admin_headers)

    body = response.json()
    assert [u["id"] for u in body["items"]] == [created[1].id, created[2].id]
    assert (body["total"], body["limit"], body["offset"]) == (4, 2, 2)


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": "many"}, "limit"),
    ],
    ids=["limit-above-max", "limit-zero", "negative-offset", "not-a-number"],
)
async def test_the_user_list_refuses_bad_paging(
    client: httpx.AsyncClient, admin_headers: dict[str, str], params: dict[str, Any], loc: str
) -> None:
    response = await client.get(USERS, params=params, headers=admin_headers)

    assert_validation_problem(response, "query", loc)


async def test_the_largest_page_allowed_is_accepted(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get(USERS, params={"limit": 100}, headers=admin_headers)

    assert response.status_code == 200


# ---------------------------------------------------------------- POST /users


async def test_an_admin_creates_a_user_with_any_role(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    body = register_body(email="new-admin@example.com", role="admin")

    response = await client.post(USERS, json=body, headers=admin_headers)

    assert response.status_code == 201
    assert (response.json()["email"], response.json()["role"]) == (
        "new-admin@example.com",
        "admin",
    )


async def test_a_user_created_by_an_admin_can_log_in(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    body = register_body(email="created@example.com", password=PASSWORD)
    await client.post(USERS, json=body, headers=admin_headers)

    assert (await login(client, "created@example.com")).status_code == 200


async def test_creating_a_user_with_a_taken_email_gives_409(
    client: httpx.AsyncClient, user: User, admin_headers: dict[str, str]
) -> None:
    response = await client.post(USERS, json=register_body(email=user.email), headers=admin_headers)

    assert_problem(response, 409)


async def test_creating_a_user_with_an_unknown_role_gives_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(USERS, json=register_body(role="superuser"), headers=admin_headers)

    assert_validation_problem(response, "body", "role")


# ---------------------------------------------------------------- GET /users/{id}


async def test_an_admin_reads_any_user(
    client: httpx.AsyncClient, user: User, admin_headers: dict[str, str]
) -> None:
    response = await client.get(_user_url(user), headers=admin_headers)

    assert response.status_code == 200
    assert response.json()["email"] == user.email


async def test_reading_a_missing_user_gives_404(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get(_user_url(424242), headers=admin_headers)

    assert_problem(response, 404)


@pytest.mark.parametrize("user_id", ["0", "abc", str(2**31)])
async def test_reading_a_user_with_an_invalid_id_gives_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], user_id: str
) -> None:
    response = await client.get(f"{USERS}/{user_id}", headers=admin_headers)

    assert_validation_problem(response, "path", "user_id")


# ---------------------------------------------------------------- PATCH /users/{id}


async def test_an_admin_promotes_a_user(
    client: httpx.AsyncClient, user: User, admin_headers: dict[str, str]
) -> None:
    response = await client.patch(_user_url(user), json={"role": "admin"}, headers=admin_headers)

    assert response.status_code == 200
    assert response.json()["role"] == "admin"


async def test_a_promoted_user_gains_admin_access(
    client: httpx.AsyncClient,
    user: User,
    user_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    await client.patch(_user_url(user), json={"role": "admin"}, headers=admin_headers)

    response = await client.get(USERS, headers=user_headers)

    assert response.status_code == 200


async def test_demoting_the_last_active_admin_gives_422(
    client: httpx.AsyncClient, admin: User, admin_headers: dict[str, str]
) -> None:
    response = await client.patch(_user_url(admin), json={"role": "user"}, headers=admin_headers)

    body = assert_problem(response, 422)
    assert body["type"] == "/problems/business-rule"


async def test_deactivating_the_last_active_admin_gives_422(
    client: httpx.AsyncClient, admin: User, admin_headers: dict[str, str]
) -> None:
    response = await client.patch(
        _user_url(admin), json={"is_active": False}, headers=admin_headers
    )

    assert_problem(response, 422)


async def test_updating_a_missing_user_gives_404(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.patch(
        _user_url(424242), json={"full_name": "Nobody"}, headers=admin_headers
    )

    assert_problem(response, 404)


async def test_updating_a_user_to_a_taken_email_gives_409(
    client: httpx.AsyncClient, user: User, other_user: User, admin_headers: dict[str, str]
) -> None:
    response = await client.patch(
        _user_url(user), json={"email": other_user.email}, headers=admin_headers
    )

    assert_problem(response, 409)


async def test_updating_a_user_with_an_unknown_role_gives_422(
    client: httpx.AsyncClient, user: User, admin_headers: dict[str, str]
) -> None:
    response = await client.patch(_user_url(user), json={"role": "root"}, headers=admin_headers)

    assert_validation_problem(response, "body", "role")


# ---------------------------------------------------------------- DELETE /users/{id}


async def test_an_admin_deletes_a_user(
    client: httpx.AsyncClient, user: User, admin_headers: dict[str, str]
) -> None:
    response = await client.delete(_user_url(user), headers=admin_headers)

    assert response.status_code == 204
    assert await fetch(User, user.id) is None


async def test_deleting_the_last_active_admin_gives_422(
    client: httpx.AsyncClient, admin: User, admin_headers: dict[str, str]
) -> None:
    response = await client.delete(_user_url(admin), headers=admin_headers)

    assert_problem(response, 422)
    assert await fetch(User, admin.id) is not None


async def test_deleting_a_missing_user_gives_404(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.delete(_user_url(424242), headers=admin_headers)

    assert_problem(response, 404)


async def test_deleting_a_user_with_an_invalid_id_gives_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.delete(f"{USERS}/0", headers=admin_headers)

    assert_validation_problem(response, "path", "user_id")


# ---------------------------------------------------------------- access


async def test_a_normal_user_cannot_delete_anyone(
    client: httpx.AsyncClient, other_user: User, user_headers: dict[str, str]
) -> None:
    response = await client.delete(_user_url(other_user), headers=user_headers)

    assert_problem(response, 403)
    assert await fetch(User, other_user.id) is not None

"""GET/POST /api/v1/items and GET/PATCH/DELETE /api/v1/items/{id}."""

from typing import Any

import httpx
import pytest

from app.models import Item, User
from tests.fixtures.db import fetch
from tests.fixtures.factories import MakeItem, item_body
from tests.fixtures.http import API
from tests.fixtures.problems import assert_problem, assert_validation_problem

ITEMS = f"{API}/items"


@pytest.fixture
async def item(make_item: MakeItem, user: User) -> Item:
    """An item of `user`."""
    return await make_item(user, title="Mine", description="Original")


@pytest.fixture
async def others_item(make_item: MakeItem, other_user: User) -> Item:
    """An item of `other_user`."""
    return await make_item(other_user, title="Theirs")


def _url(item: Item | int) -> str:
    return f"{ITEMS}/{item if isinstance(item, int) else item.id}"


# ---------------------------------------------------------------- POST /items


async def test_create_item_returns_it_owned_by_the_caller(
    client: httpx.AsyncClient, user_headers: dict[str, str], user: User
) -> None:
    response = await client.post(
        ITEMS, json={"title": "A lamp", "description": "Bright"}, headers=user_headers
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["title"], body["description"], body["owner_id"]) == ("A lamp", "Bright", user.id)
    assert set(body) == {"id", "title", "description", "owner_id", "created_at", "updated_at"}


async def test_create_item_without_a_description_stores_null(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    response = await client.post(ITEMS, json={"title": "Bare"}, headers=user_headers)

    assert response.json()["description"] is None


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": "no title"}, "title"),
        ({"title": "ok", "description": "x" * 2001}, "description"),
    ],
    ids=["empty-title", "title-too-long", "missing-title", "description-too-long"],
)
async def test_create_item_with_an_invalid_body_gives_422(
    client: httpx.AsyncClient, user_headers: dict[str, str], body: dict[str, Any], loc: str
) -> None:
    response = await client.post(ITEMS, json=body, headers=user_headers)

    assert_validation_problem(response, "body", loc)


async def test_create_item_refuses_to_set_its_owner(
    client: httpx.AsyncClient, user_headers: dict[str, str], other_user: User
) -> None:
    body = item_body(owner_id=other_user.id)

    response = await client.post(ITEMS, json=body, headers=user_headers)

    assert_validation_problem(response, "body", "owner_id")


# ---------------------------------------------------------------- GET /items


async def test_a_user_lists_only_their_own_items(
    client: httpx.AsyncClient,
    user_headers: dict[str, str],
    item: Item,
    others_item: Item,
) -> None:
    response = await client.get(ITEMS, headers=user_headers)

    assert response.status_code == 200
    body = response.json()
    assert [i["id"] for i in body["items"]] == [item.id]
    assert body["total"] == 1


async def test_an_admin_lists_every_item(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    item: Item,
    others_item: Item,
) -> None:
    response = await client.get(ITEMS, headers=admin_headers)

    assert [i["id"] for i in response.json()["items"]] == [item.id, others_item.id]


async def test_the_item_list_is_a_page_with_its_total(
    client: httpx.AsyncClient, user_headers: dict[str, str], make_item: MakeItem, user: User
) -> None:
    created = [await make_item(user) for _ in range(3)]

    response = await client.get(ITEMS, params={"limit": 1, "offset": 1}, headers=user_headers)

    body = response.json()
    assert [i["id"] for i in body["items"]] == [created[1].id]
    assert (body["total"], body["limit"], body["offset"]) == (3, 1, 1)


async def test_the_item_list_defaults_to_the_first_20(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    response = await client.get(ITEMS, headers=user_headers)

    assert response.json() == {"items": [], "total": 0, "limit": 20, "offset": 0}


async def test_listing_items_with_a_limit_above_the_maximum_gives_422(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    response = await client.get(ITEMS, params={"limit": 101}, headers=user_headers)

    assert_validation_problem(response, "query", "limit")


async def test_listing_items_with_a_negative_offset_gives_422(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    response = await client.get(ITEMS, params={"offset": -1}, headers=user_headers)

    assert_validation_problem(response, "query", "offset")


# ---------------------------------------------------------------- GET /items/{id}


async def test_a_user_reads_their_own_item(
    client: httpx.AsyncClient, user_headers: dict[str, str], item: Item
) -> None:
    response = await client.get(_url(item), headers=user_headers)

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["title"], body["owner_id"]) == (item.id, "Mine", item.owner_id)


async def test_reading_another_users_item_gives_404(
    client: httpx.AsyncClient, user_headers: dict[str, str], others_item: Item
) -> None:
    response = await client.get(_url(others_item), headers=user_headers)

    assert_problem(response, 404)


async def test_another_users_item_looks_the_same_as_a_missing_one(
    client: httpx.AsyncClient, user_headers: dict[str, str], others_item: Item
) -> None:
    others = await client.get(_url(others_item), headers=user_headers)

    missing = await client.get(_url(424242), headers=user_headers)

    assert others.json() == missing.json()


async def test_an_admin_reads_any_users_item(
    client: httpx.AsyncClient, admin_headers: dict[str, str], others_item: Item
) -> None:
    response = await client.get(_url(others_item), headers=admin_headers)

    assert response.status_code == 200


async def test_reading_a_missing_item_gives_404(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get(_url(424242), headers=admin_headers)

    assert_problem(response, 404)


@pytest.mark.parametrize("item_id", ["0", "-1", "abc", str(2**31)])
async def test_reading_an_item_with_an_invalid_id_gives_422(
    client: httpx.AsyncClient, user_headers: dict[str, str], item_id: str
) -> None:
    response = await client.get(f"{ITEMS}/{item_id}", headers=user_headers)

    assert_validation_problem(response, "path", "item_id")


# ---------------------------------------------------------------- PATCH /items/{id}


async def test_update_item_changes_only_the_fields_sent(
    client: httpx.AsyncClient, user_headers: dict[str, str], item: Item
) -> None:
    response = await client.patch(_url(item), json={"title": "Renamed"}, headers=user_headers)

    assert response.status_code == 200
    assert (response.json()["title"], response.json()["description"]) == ("Renamed", "Original")


async def test_update_item_clears_a_description_sent_as_null(
    client: httpx.AsyncClient, user_headers: dict[str, str], item: Item
) -> None:
    response = await client.patch(_url(item), json={"description": None}, headers=user_headers)

    assert response.json()["description"] is None


async def test_update_item_with_a_null_title_gives_422(
    client: httpx.AsyncClient, user_headers: dict[str, str], item: Item
) -> None:
    response = await client.patch(_url(item), json={"title": None}, headers=user_headers)

    assert_validation_problem(response, "body", "title")


async def test_update_item_refuses_to_change_its_owner(
    client: httpx.AsyncClient,
    user_headers: dict[str, str],
    item: Item,
    other_user: User,
) -> None:
    response = await client.patch(
        _url(item), json={"owner_id": other_user.id}, headers=user_headers
    )

    assert_validation_problem(response, "body", "owner_id")


async def test_updating_another_users_item_gives_404_and_changes_nothing(
    client: httpx.AsyncClient, user_headers: dict[str, str], others_item: Item
) -> None:
    response = await client.patch(
        _url(others_item), json={"title": "Hijacked"}, headers=user_headers
    )

    assert_problem(response, 404)
    stored = await fetch(Item, others_item.id)
    assert stored is not None
    assert stored.title == "Theirs"


async def test_an_admin_updates_any_users_item(
    client: httpx.AsyncClient, admin_headers: dict[str, str], others_item: Item
) -> None:
    response = await client.patch(
        _url(others_item), json={"title": "Moderated"}, headers=admin_headers
    )

    assert response.json()["title"] == "Moderated"


async def test_updating_a_missing_item_gives_404(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    response = await client.patch(_url(424242), json={"title": "x"}, headers=user_headers)

    assert_problem(response, 404)


# ---------------------------------------------------------------- DELETE /items/{id}


async def test_a_user_deletes_their_own_item(
    client: httpx.AsyncClient, user_headers: dict[str, str], item: Item
) -> None:
    response = await client.delete(_url(item), headers=user_headers)

    assert response.status_code == 204
    assert response.content == b""


async def test_a_deleted_item_is_gone(
    client: httpx.AsyncClient, user_headers: dict[str, str], item: Item
) -> None:
    await client.delete(_url(item), headers=user_headers)

    response = await client.get(_url(item), headers=user_headers)

    assert_problem(response, 404)


async def test_deleting_another_users_item_gives_404_and_keeps_it(
    client: httpx.AsyncClient, user_headers: dict[str, str], others_item: Item
) -> None:
    response = await client.delete(_url(others_item), headers=user_headers)

    assert_problem(response, 404)
    assert await fetch(Item, others_item.id) is not None


async def test_an_admin_deletes_any_users_item(
    client: httpx.AsyncClient, admin_headers: dict[str, str], others_item: Item
) -> None:
    response = await client.delete(_url(others_item), headers=admin_headers)

    assert response.status_code == 204
    assert await fetch(Item, others_item.id) is None


async def test_deleting_an_item_with_an_invalid_id_gives_422(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    response = await client.delete(f"{ITEMS}/0", headers=user_headers)

    assert_validation_problem(response, "path", "item_id")

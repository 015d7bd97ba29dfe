"""GET/POST /api/v1/items and GET/PATCH/DELETE /api/v1/items/{id}, open to every caller."""

from typing import Any

import httpx
import pytest

from app.core.config import API_V1_PREFIX
from app.models import Item
from tests.fixtures.db import fetch
from tests.fixtures.factories import MakeItem, item_body
from tests.fixtures.problems import assert_problem, assert_validation_problem

ITEMS = f"{API_V1_PREFIX}/items"


@pytest.fixture
async def item(make_item: MakeItem) -> Item:
    """A stored item."""
    return await make_item(title="Lamp", description="Original")


def _url(item: Item | int) -> str:
    return f"{ITEMS}/{item if isinstance(item, int) else item.id}"


# ---------------------------------------------------------------- POST /items


async def test_create_item_returns_it(client: httpx.AsyncClient) -> None:
    response = await client.post(ITEMS, json={"title": "A lamp", "description": "Bright"})

    assert response.status_code == 201
    body = response.json()
    assert (body["title"], body["description"]) == ("A lamp", "Bright")
    assert set(body) == {"id", "title", "description", "created_at", "updated_at"}


async def test_a_created_item_is_stored(client: httpx.AsyncClient) -> None:
    response = await client.post(ITEMS, json=item_body(title="Kept"))

    stored = await fetch(Item, response.json()["id"])
    assert stored is not None
    assert stored.title == "Kept"


async def test_create_item_without_a_description_stores_null(client: httpx.AsyncClient) -> None:
    response = await client.post(ITEMS, json={"title": "Bare"})

    assert response.json()["description"] is None


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": "no title"}, "title"),
        ({"title": "ok", "description": "x" * 2001}, "description"),
        ({"title": "ok", "id": 7}, "id"),
    ],
    ids=["empty-title", "title-too-long", "missing-title", "description-too-long", "id"],
)
async def test_create_item_with_an_invalid_body_gives_422(
    client: httpx.AsyncClient, body: dict[str, Any], loc: str
) -> None:
    response = await client.post(ITEMS, json=body)

    assert_validation_problem(response, "body", loc)


# ---------------------------------------------------------------- GET /items


async def test_the_item_list_is_a_page_with_its_total(
    client: httpx.AsyncClient, make_item: MakeItem
) -> None:
    created = [await make_item() for _ in range(3)]

    response = await client.get(ITEMS, params={"limit": 1, "offset": 1})

    assert response.status_code == 200
    body = response.json()
    assert [i["id"] for i in body["items"]] == [created[1].id]
    assert (body["total"], body["limit"], body["offset"]) == (3, 1, 1)


async def test_the_item_list_defaults_to_the_first_20(client: httpx.AsyncClient) -> None:
    response = await client.get(ITEMS)

    assert response.json() == {"items": [], "total": 0, "limit": 20, "offset": 0}


async def test_listing_items_with_a_limit_above_the_maximum_gives_422(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(ITEMS, params={"limit": 101})

    assert_validation_problem(response, "query", "limit")


async def test_listing_items_with_a_negative_offset_gives_422(client: httpx.AsyncClient) -> None:
    response = await client.get(ITEMS, params={"offset": -1})

    assert_validation_problem(response, "query", "offset")


# ---------------------------------------------------------------- GET /items/{id}


async def test_read_item_returns_it(client: httpx.AsyncClient, item: Item) -> None:
    response = await client.get(_url(item))

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["title"], body["description"]) == (item.id, "Lamp", "Original")


async def test_reading_a_missing_item_gives_404(client: httpx.AsyncClient) -> None:
    response = await client.get(_url(424242))

    body = assert_problem(response, 404)
    assert body["type"] == "/problems/not-found"


@pytest.mark.parametrize("item_id", ["0", "-1", "abc", str(2**31)])
async def test_reading_an_item_with_an_invalid_id_gives_422(
    client: httpx.AsyncClient, item_id: str
) -> None:
    response = await client.get(f"{ITEMS}/{item_id}")

    assert_validation_problem(response, "path", "item_id")


# ---------------------------------------------------------------- PATCH /items/{id}


async def test_update_item_changes_only_the_fields_sent(
    client: httpx.AsyncClient, item: Item
) -> None:
    response = await client.patch(_url(item), json={"title": "Renamed"})

    assert response.status_code == 200
    assert (response.json()["title"], response.json()["description"]) == ("Renamed", "Original")


async def test_an_update_is_stored(client: httpx.AsyncClient, item: Item) -> None:
    await client.patch(_url(item), json={"title": "Renamed"})

    stored = await fetch(Item, item.id)
    assert stored is not None
    assert stored.title == "Renamed"


async def test_update_item_clears_a_description_sent_as_null(
    client: httpx.AsyncClient, item: Item
) -> None:
    response = await client.patch(_url(item), json={"description": None})

    assert response.json()["description"] is None


async def test_update_item_with_a_null_title_gives_422(
    client: httpx.AsyncClient, item: Item
) -> None:
    response = await client.patch(_url(item), json={"title": None})

    assert_validation_problem(response, "body", "title")


async def test_update_item_refuses_unknown_fields(client: httpx.AsyncClient, item: Item) -> None:
    response = await client.patch(_url(item), json={"id": 7})

    assert_validation_problem(response, "body", "id")


async def test_updating_a_missing_item_gives_404(client: httpx.AsyncClient) -> None:
    response = await client.patch(_url(424242), json={"title": "x"})

    assert_problem(response, 404)


# ---------------------------------------------------------------- DELETE /items/{id}


async def test_delete_item_answers_204_without_a_body(
    client: httpx.AsyncClient, item: Item
) -> None:
    response = await client.delete(_url(item))

    assert response.status_code == 204
    assert response.content == b""


async def test_a_deleted_item_is_gone(client: httpx.AsyncClient, item: Item) -> None:
    await client.delete(_url(item))

    response = await client.get(_url(item))

    assert_problem(response, 404)
    assert await fetch(Item, item.id) is None


async def test_deleting_a_missing_item_gives_404(client: httpx.AsyncClient) -> None:
    response = await client.delete(_url(424242))

    assert_problem(response, 404)


async def test_deleting_an_item_with_an_invalid_id_gives_422(client: httpx.AsyncClient) -> None:
    response = await client.delete(f"{ITEMS}/0")

    assert_validation_problem(response, "path", "item_id")

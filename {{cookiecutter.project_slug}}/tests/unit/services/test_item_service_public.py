"""ItemService without authentication: anyone lists, reads, changes and deletes any item."""

from datetime import UTC, datetime

import pytest

from app.core.errors import NotFoundError
from app.models import Item
from app.schemas.item import ItemUpdate
from app.services.items import ItemService
from tests.fixtures.factories import item_create
from tests.fixtures.fakes import FakeDatabase


def _stored(fake_db: FakeDatabase, item: Item) -> Item:
    assert item.id is not None
    return fake_db.committed.items[item.id]


@pytest.fixture
async def item(item_service: ItemService) -> Item:
    """A stored item."""
    return await item_service.create_item(item_create(title="Lamp", description="Original"))


# ---------------------------------------------------------------- create


async def test_create_item_stores_it(item_service: ItemService, fake_db: FakeDatabase) -> None:
    created = await item_service.create_item(item_create(title="Mine", description=None))

    stored = _stored(fake_db, created)
    assert (stored.title, stored.description) == ("Mine", None)


# ---------------------------------------------------------------- list


async def test_list_items_pages_oldest_first_and_counts_them_all(
    item_service: ItemService,
) -> None:
    created = [await item_service.create_item(item_create()) for _ in range(3)]

    found, total = await item_service.list_items(offset=1, limit=1)

    assert [i.id for i in found] == [created[1].id]
    assert total == 3


async def test_the_list_of_no_items_is_empty(item_service: ItemService) -> None:
    found, total = await item_service.list_items(offset=0, limit=10)

    assert (list(found), total) == ([], 0)


# ---------------------------------------------------------------- get


async def test_get_item_returns_it(item_service: ItemService, item: Item) -> None:
    assert item.id is not None

    found = await item_service.get_item(item.id)

    assert found.title == "Lamp"


async def test_a_missing_item_is_not_found(item_service: ItemService) -> None:
    with pytest.raises(NotFoundError):
        await item_service.get_item(424242)


# ---------------------------------------------------------------- update


async def test_update_item_changes_only_the_fields_sent(
    item_service: ItemService, fake_db: FakeDatabase, item: Item
) -> None:
    assert item.id is not None

    await item_service.update_item(item.id, ItemUpdate(title="Renamed"))

    stored = _stored(fake_db, item)
    assert (stored.title, stored.description) == ("Renamed", "Original")


async def test_update_item_clears_a_description_sent_as_null(
    item_service: ItemService, fake_db: FakeDatabase, item: Item
) -> None:
    assert item.id is not None

    await item_service.update_item(item.id, ItemUpdate(description=None))

    assert _stored(fake_db, item).description is None


async def test_update_item_moves_updated_at_forward(
    item_service: ItemService, fake_db: FakeDatabase, item: Item
) -> None:
    assert item.id is not None
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    _stored(fake_db, item).updated_at = long_ago

    updated = await item_service.update_item(item.id, ItemUpdate(title="Later"))

    assert updated.updated_at > long_ago


async def test_updating_a_missing_item_is_not_found(item_service: ItemService) -> None:
    with pytest.raises(NotFoundError):
        await item_service.update_item(424242, ItemUpdate(title="x"))


# ---------------------------------------------------------------- delete


async def test_delete_item_removes_it(
    item_service: ItemService, fake_db: FakeDatabase, item: Item
) -> None:
    assert item.id is not None

    await item_service.delete_item(item.id)

    assert item.id not in fake_db.committed.items


async def test_deleting_a_missing_item_is_not_found_and_keeps_the_others(
    item_service: ItemService, fake_db: FakeDatabase, item: Item
) -> None:
    with pytest.raises(NotFoundError):
        await item_service.delete_item(424242)

    assert item.id in fake_db.committed.items

"""ItemService: users see and change their own items; admins see and change all."""

from datetime import UTC, datetime

import pytest

from app.core.errors import NotFoundError
from app.models import Item, User
from app.schemas.item import ItemUpdate
from app.services.items import ItemService
from tests.fixtures.factories import item_create
from tests.fixtures.fakes import FakeDatabase


def _stored(fake_db: FakeDatabase, item: Item) -> Item:
    assert item.id is not None
    return fake_db.committed.items[item.id]


@pytest.fixture
async def item(item_service: ItemService, user: User) -> Item:
    """An item owned by `user`."""
    return await item_service.create_item(user, item_create(description="Original"))


@pytest.fixture
async def others_item(item_service: ItemService, other_user: User) -> Item:
    """An item owned by `other_user`."""
    return await item_service.create_item(other_user, item_create())


# ---------------------------------------------------------------- create


async def test_create_item_makes_the_caller_its_owner(
    item_service: ItemService, fake_db: FakeDatabase, user: User
) -> None:
    created = await item_service.create_item(user, item_create(title="Mine"))

    stored = _stored(fake_db, created)
    assert (stored.title, stored.owner_id) == ("Mine", user.id)


# ---------------------------------------------------------------- list


async def test_a_user_lists_only_their_own_items(
    item_service: ItemService, user: User, item: Item, others_item: Item
) -> None:
    found, total = await item_service.list_items(user, offset=0, limit=10)

    assert [i.id for i in found] == [item.id]
    assert total == 1


async def test_an_admin_lists_every_item(
    item_service: ItemService, admin: User, item: Item, others_item: Item
) -> None:
    found, total = await item_service.list_items(admin, offset=0, limit=10)

    assert [i.id for i in found] == [item.id, others_item.id]
    assert total == 2


async def test_list_items_pages_oldest_first_and_counts_them_all(
    item_service: ItemService, user: User
) -> None:
    created = [await item_service.create_item(user, item_create()) for _ in range(3)]

    found, total = await item_service.list_items(user, offset=1, limit=1)

    assert [i.id for i in found] == [created[1].id]
    assert total == 3


# ---------------------------------------------------------------- get


async def test_a_user_gets_their_own_item(
    item_service: ItemService, user: User, item: Item
) -> None:
    assert item.id is not None

    found = await item_service.get_item(user, item.id)

    assert found.title == item.title


async def test_another_users_item_is_not_found_on_get(
    item_service: ItemService, user: User, others_item: Item
) -> None:
    assert others_item.id is not None

    with pytest.raises(NotFoundError):
        await item_service.get_item(user, others_item.id)


async def test_an_admin_gets_any_users_item(
    item_service: ItemService, admin: User, others_item: Item
) -> None:
    assert others_item.id is not None

    found = await item_service.get_item(admin, others_item.id)

    assert found.id == others_item.id


async def test_a_missing_item_is_not_found(item_service: ItemService, admin: User) -> None:
    with pytest.raises(NotFoundError):
        await item_service.get_item(admin, 424242)


# ---------------------------------------------------------------- update


async def test_update_item_changes_only_the_fields_sent(
    item_service: ItemService, fake_db: FakeDatabase, user: User, item: Item
) -> None:
    assert item.id is not None

    await item_service.update_item(user, item.id, ItemUpdate(title="Renamed"))

    stored = _stored(fake_db, item)
    assert (stored.title, stored.description) == ("Renamed", "Original")


async def test_update_item_clears_a_description_sent_as_null(
    item_service: ItemService, fake_db: FakeDatabase, user: User, item: Item
) -> None:
    assert item.id is not None

    await item_service.update_item(user, item.id, ItemUpdate(description=None))

    assert _stored(fake_db, item).description is None


async def test_update_item_moves_updated_at_forward(
    item_service: ItemService, fake_db: FakeDatabase, user: User, item: Item
) -> None:
    assert item.id is not None
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    _stored(fake_db, item).updated_at = long_ago

    updated = await item_service.update_item(user, item.id, ItemUpdate(title="Later"))

    assert updated.updated_at > long_ago


async def test_another_users_item_is_not_found_on_update_and_stays_unchanged(
    item_service: ItemService, fake_db: FakeDatabase, user: User, others_item: Item
) -> None:
    assert others_item.id is not None

    with pytest.raises(NotFoundError):
        await item_service.update_item(user, others_item.id, ItemUpdate(title="Hijacked"))

    assert _stored(fake_db, others_item).title == others_item.title


async def test_an_admin_updates_any_users_item(
    item_service: ItemService, fake_db: FakeDatabase, admin: User, others_item: Item
) -> None:
    assert others_item.id is not None

    await item_service.update_item(admin, others_item.id, ItemUpdate(title="Moderated"))

    assert _stored(fake_db, others_item).title == "Moderated"


# ---------------------------------------------------------------- delete


async def test_a_user_deletes_their_own_item(
    item_service: ItemService, fake_db: FakeDatabase, user: User, item: Item
) -> None:
    assert item.id is not None

    await item_service.delete_item(user, item.id)

    assert item.id not in fake_db.committed.items


async def test_another_users_item_is_not_found_on_delete_and_stays(
    item_service: ItemService, fake_db: FakeDatabase, user: User, others_item: Item
) -> None:
    assert others_item.id is not None

    with pytest.raises(NotFoundError):
        await item_service.delete_item(user, others_item.id)

    assert others_item.id in fake_db.committed.items


async def test_an_admin_deletes_any_users_item(
    item_service: ItemService, fake_db: FakeDatabase, admin: User, others_item: Item
) -> None:
    assert others_item.id is not None

    await item_service.delete_item(admin, others_item.id)

    assert others_item.id not in fake_db.committed.items

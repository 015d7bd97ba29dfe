"""SqlItemRepository on the test database."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Item, User
from app.repositories.sql.items import SqlItemRepository
from app.repositories.sql.users import SqlUserRepository
from tests.fixtures.db import fetch
from tests.fixtures.factories import build_item, build_user


@pytest.fixture
def items(session: AsyncSession) -> SqlItemRepository:
    """The repository under test, on the test session."""
    return SqlItemRepository(session)


@pytest.fixture
async def owner(session: AsyncSession) -> User:
    """A stored user to own items."""
    return await SqlUserRepository(session).add(build_user())


@pytest.fixture
async def other_owner(session: AsyncSession) -> User:
    """A second stored user."""
    return await SqlUserRepository(session).add(build_user())


def _id(user: User) -> int:
    assert user.id is not None
    return user.id


async def test_add_gives_the_item_an_id(items: SqlItemRepository, owner: User) -> None:
    item = await items.add(build_item(_id(owner)))

    assert item.id is not None


async def test_get_returns_the_stored_item(items: SqlItemRepository, owner: User) -> None:
    item = await items.add(build_item(_id(owner), title="Kept"))
    assert item.id is not None

    found = await items.get(item.id)

    assert found is not None
    assert (found.title, found.owner_id) == ("Kept", owner.id)


async def test_get_of_a_missing_id_returns_none(items: SqlItemRepository) -> None:
    assert await items.get(424242) is None


async def test_list_of_one_owner_leaves_out_other_owners_items(
    items: SqlItemRepository, owner: User, other_owner: User
) -> None:
    mine = await items.add(build_item(_id(owner)))
    await items.add(build_item(_id(other_owner)))

    found, total = await items.list(owner_id=owner.id, offset=0, limit=10)

    assert [i.id for i in found] == [mine.id]
    assert total == 1


async def test_list_without_an_owner_returns_every_item(
    items: SqlItemRepository, owner: User, other_owner: User
) -> None:
    await items.add(build_item(_id(owner)))
    await items.add(build_item(_id(other_owner)))

    found, total = await items.list(owner_id=None, offset=0, limit=10)

    assert len(found) == 2
    assert total == 2


async def test_list_pages_oldest_first_and_counts_every_match(
    items: SqlItemRepository, owner: User
) -> None:
    added = [await items.add(build_item(_id(owner))) for _ in range(5)]

    found, total = await items.list(owner_id=owner.id, offset=2, limit=2)

    assert [i.id for i in found] == [added[2].id, added[3].id]
    assert total == 5


async def test_list_of_an_owner_without_items_is_empty(
    items: SqlItemRepository, owner: User
) -> None:
    found, total = await items.list(owner_id=owner.id, offset=0, limit=10)

    assert (list(found), total) == ([], 0)


async def test_delete_removes_the_item(items: SqlItemRepository, owner: User) -> None:
    item = await items.add(build_item(_id(owner)))
    assert item.id is not None

    await items.delete(item)

    assert await items.get(item.id) is None


async def test_an_item_of_a_missing_owner_is_refused_by_the_foreign_key(
    items: SqlItemRepository,
) -> None:
    with pytest.raises(IntegrityError):
        await items.add(build_item(424242))


async def test_a_timestamp_with_another_offset_is_stored_as_the_same_instant_in_utc(
    items: SqlItemRepository, owner: User, session: AsyncSession
) -> None:
    paris_noon = datetime(2030, 6, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    item = await items.add(build_item(_id(owner), created_at=paris_noon))
    await session.commit()

    stored = await fetch(Item, item.id)

    assert stored is not None
    assert stored.created_at == paris_noon
    assert stored.created_at.tzinfo == UTC
    assert stored.created_at.hour == 10


async def test_a_naive_timestamp_is_read_back_as_utc(
    items: SqlItemRepository, owner: User, session: AsyncSession
) -> None:
    item = await items.add(build_item(_id(owner), created_at=datetime(2030, 6, 1, 12)))
    await session.commit()

    stored = await fetch(Item, item.id)

    assert stored is not None
    assert stored.created_at == datetime(2030, 6, 1, 12, tzinfo=UTC)

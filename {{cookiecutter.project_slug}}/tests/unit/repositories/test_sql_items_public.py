"""SqlItemRepository on the test database, for items that nobody owns."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Item
from app.repositories.sql.items import SqlItemRepository
from tests.fixtures.db import fetch
from tests.fixtures.factories import build_item


@pytest.fixture
def items(session: AsyncSession) -> SqlItemRepository:
    """The repository under test, on the test session."""
    return SqlItemRepository(session)


async def test_add_gives_the_item_an_id(items: SqlItemRepository) -> None:
    item = await items.add(build_item())

    assert item.id is not None


async def test_get_returns_the_stored_item(items: SqlItemRepository) -> None:
    item = await items.add(build_item(title="Kept", description="Safe"))
    assert item.id is not None

    found = await items.get(item.id)

    assert found is not None
    assert (found.title, found.description) == ("Kept", "Safe")


async def test_get_of_a_missing_id_returns_none(items: SqlItemRepository) -> None:
    assert await items.get(424242) is None


async def test_list_pages_oldest_first_and_counts_every_item(items: SqlItemRepository) -> None:
    added = [await items.add(build_item()) for _ in range(5)]

    found, total = await items.list(offset=2, limit=2)

    assert [i.id for i in found] == [added[2].id, added[3].id]
    assert total == 5


async def test_list_of_an_empty_table_is_empty(items: SqlItemRepository) -> None:
    found, total = await items.list(offset=0, limit=10)

    assert (list(found), total) == ([], 0)


async def test_delete_removes_the_item(items: SqlItemRepository) -> None:
    item = await items.add(build_item())
    assert item.id is not None

    await items.delete(item)

    assert await items.get(item.id) is None


async def test_a_timestamp_with_another_offset_is_stored_as_the_same_instant_in_utc(
    items: SqlItemRepository, session: AsyncSession
) -> None:
    paris_noon = datetime(2030, 6, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    item = await items.add(build_item(created_at=paris_noon))
    await session.commit()

    stored = await fetch(Item, item.id)

    assert stored is not None
    assert stored.created_at == paris_noon
    assert stored.created_at.tzinfo == UTC
    assert stored.created_at.hour == 10


async def test_a_naive_timestamp_is_read_back_as_utc(
    items: SqlItemRepository, session: AsyncSession
) -> None:
    item = await items.add(build_item(created_at=datetime(2030, 6, 1, 12)))
    await session.commit()

    stored = await fetch(Item, item.id)

    assert stored is not None
    assert stored.created_at == datetime(2030, 6, 1, 12, tzinfo=UTC)

"""Items on SQLAlchemy."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import Item
from app.repositories.sql.paging import fetch_page


class SqlItemRepository:
    """The ItemRepository on an AsyncSession."""

    def __init__(self, session: AsyncSession) -> None:
        """Work inside `session`; the unit of work commits it."""
        self._session = session

    async def get(self, item_id: int) -> Item | None:
        """Return the item with `item_id`, if any."""
        return await self._session.get(Item, item_id)
{%- if cookiecutter.auth == "jwt" %}

    async def list(
        self, *, owner_id: int | None, offset: int, limit: int
    ) -> tuple[Sequence[Item], int]:
        """Return one page of items (of one owner, or of all), oldest first, and the total."""
        items = select(Item)
        if owner_id is not None:
            items = items.where(col(Item.owner_id) == owner_id)
{%- else %}

    async def list(self, *, offset: int, limit: int) -> tuple[Sequence[Item], int]:
        """Return one page of items, oldest first, and the total."""
        items = select(Item)
{%- endif %}
        return await fetch_page(
            self._session, items.order_by(col(Item.id)), offset=offset, limit=limit
        )

    async def add(self, item: Item) -> Item:
        """Store a new item and give it an id."""
        self._session.add(item)
        await self._session.flush()
        return item

    async def delete(self, item: Item) -> None:
        """Delete `item`."""
        await self._session.delete(item)
        await self._session.flush()

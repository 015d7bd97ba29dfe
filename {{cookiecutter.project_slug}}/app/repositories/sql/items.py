"""Items on SQLAlchemy."""

from collections.abc import Sequence

from sqlalchemy import {% if cookiecutter.auth == "jwt" %}bindparam, {% endif %}select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import Item
from app.repositories.sql.paging import fetch_page, paged

# Built once (see paging.py): every list request runs one of these with new parameters.
_ALL = paged(select(Item).order_by(col(Item.id)))
{%- if cookiecutter.auth == "jwt" %}
_OWNED = paged(
    select(Item).where(col(Item.owner_id) == bindparam("owner_id")).order_by(col(Item.id))
)
{%- endif %}


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
        if owner_id is None:
            return await fetch_page(self._session, _ALL, offset=offset, limit=limit)
        return await fetch_page(
            self._session, _OWNED, offset=offset, limit=limit, owner_id=owner_id
        )
{%- else %}

    async def list(self, *, offset: int, limit: int) -> tuple[Sequence[Item], int]:
        """Return one page of items, oldest first, and the total."""
        return await fetch_page(self._session, _ALL, offset=offset, limit=limit)
{%- endif %}

    async def add(self, item: Item) -> Item:
        """Store a new item and give it an id."""
        self._session.add(item)
        await self._session.flush()
        return item

    async def delete(self, item: Item) -> None:
        """Delete `item`."""
        await self._session.delete(item)
        await self._session.flush()

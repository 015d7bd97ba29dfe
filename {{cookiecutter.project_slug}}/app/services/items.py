{%- if cookiecutter.auth == "jwt" -%}
"""The example resource: items that users own."""
{%- else -%}
"""The example resource: items, which anyone may read and change."""
{%- endif %}

from collections.abc import Sequence

from app.core.errors import NotFoundError
{% if cookiecutter.auth == "jwt" -%}
from app.core.security import Permission, has_permission
from app.models import Item, User
{% else -%}
from app.models import Item
{% endif -%}
from app.repositories.interfaces import UnitOfWork
from app.schemas.item import ItemCreate, ItemUpdate
from app.utils.time import utcnow

{% if cookiecutter.auth == "jwt" -%}
# Someone else's item is reported as missing, so ids of others' items leak nothing.
{% endif -%}
ITEM_NOT_FOUND = "Item not found."


class ItemService:
{%- if cookiecutter.auth == "jwt" %}
    """The use cases around items; users see their own, admins see all."""
{%- else %}
    """The use cases around items."""
{%- endif %}

    def __init__(self, uow: UnitOfWork) -> None:
        """Use `uow` for storage."""
        self.uow = uow
{%- if cookiecutter.auth == "jwt" %}

    async def list_items(
        self, actor: User, *, offset: int, limit: int
    ) -> tuple[Sequence[Item], int]:
        """Return one page of the items `actor` may read, and their total."""
        owner_id = None if has_permission(actor.role, Permission.ITEMS_READ_ALL) else actor.id
        async with self.uow.read():
            return await self.uow.items.list(owner_id=owner_id, offset=offset, limit=limit)

    async def create_item(self, actor: User, data: ItemCreate) -> Item:
        """Create an item owned by `actor`."""
        assert actor.id is not None
        async with self.uow:
            item = await self.uow.items.add(Item(**data.model_dump(), owner_id=actor.id))
            await self.uow.commit()
        return item

    async def get_item(self, actor: User, item_id: int) -> Item:
        """Return one item `actor` may read; NotFoundError otherwise."""
        async with self.uow.read():
            return await self._get(actor, item_id, Permission.ITEMS_READ_ALL)

    async def update_item(self, actor: User, item_id: int, data: ItemUpdate) -> Item:
        """Change the fields sent of an item `actor` may write."""
        async with self.uow:
            item = await self._get(actor, item_id, Permission.ITEMS_WRITE_ALL)
{%- else %}

    async def list_items(self, *, offset: int, limit: int) -> tuple[Sequence[Item], int]:
        """Return one page of items, and their total."""
        async with self.uow.read():
            return await self.uow.items.list(offset=offset, limit=limit)

    async def create_item(self, data: ItemCreate) -> Item:
        """Create an item."""
        async with self.uow:
            item = await self.uow.items.add(Item(**data.model_dump()))
            await self.uow.commit()
        return item

    async def get_item(self, item_id: int) -> Item:
        """Return one item; NotFoundError if there is none."""
        async with self.uow.read():
            return await self._get(item_id)

    async def update_item(self, item_id: int, data: ItemUpdate) -> Item:
        """Change the fields sent of an item."""
        async with self.uow:
            item = await self._get(item_id)
{%- endif %}
            for field, value in data.model_dump(exclude_unset=True).items():
                setattr(item, field, value)
            item.updated_at = utcnow()
            await self.uow.commit()
        return item
{%- if cookiecutter.auth == "jwt" %}

    async def delete_item(self, actor: User, item_id: int) -> None:
        """Delete an item `actor` may write."""
        async with self.uow:
            item = await self._get(actor, item_id, Permission.ITEMS_WRITE_ALL)
            await self.uow.items.delete(item)
            await self.uow.commit()

    async def _get(self, actor: User, item_id: int, permission_for_others: Permission) -> Item:
        item = await self.uow.items.get(item_id)
        if item is None:
            raise NotFoundError(ITEM_NOT_FOUND)
        if item.owner_id != actor.id and not has_permission(actor.role, permission_for_others):
            raise NotFoundError(ITEM_NOT_FOUND)
        return item
{%- else %}

    async def delete_item(self, item_id: int) -> None:
        """Delete an item."""
        async with self.uow:
            item = await self._get(item_id)
            await self.uow.items.delete(item)
            await self.uow.commit()

    async def _get(self, item_id: int) -> Item:
        item = await self.uow.items.get(item_id)
        if item is None:
            raise NotFoundError(ITEM_NOT_FOUND)
        return item
{%- endif %}

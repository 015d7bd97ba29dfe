{%- if cookiecutter.auth == "jwt" -%}
"""Items: users manage their own, admins everyone's."""
{%- else -%}
"""Items: anyone may list, create, read, change and delete them."""
{%- endif %}

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

{% if cookiecutter.auth == "jwt" -%}
from app.api.deps import ItemOwner, ItemServiceDep
{% else -%}
from app.api.deps import ItemServiceDep
{% endif -%}
from app.api.v1.pagination import PageParams
from app.core.errors import error_responses
from app.schemas.common import Page
from app.schemas.item import ItemCreate, ItemRead, ItemUpdate

router = APIRouter(prefix="/items", tags=["items"])

ItemId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The item's id.")]
{%- if cookiecutter.auth == "jwt" %}
_ERRORS = (401, 403, 422)
{%- else %}
_ERRORS = (422,)
{%- endif %}


@router.get("", summary="List items", responses=error_responses(*_ERRORS))
{%- if cookiecutter.auth == "jwt" %}
async def list_items(user: ItemOwner, page: PageParams, items: ItemServiceDep) -> Page[ItemRead]:
    """Return one page of your items (every item, for admins)."""
    found, total = await items.list_items(user, offset=page.offset, limit=page.limit)
{%- else %}
async def list_items(page: PageParams, items: ItemServiceDep) -> Page[ItemRead]:
    """Return one page of the items."""
    found, total = await items.list_items(offset=page.offset, limit=page.limit)
{%- endif %}
    return page.page(ItemRead, found, total)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an item",
    responses=error_responses(*_ERRORS, 413),
)
{%- if cookiecutter.auth == "jwt" %}
async def create_item(data: ItemCreate, user: ItemOwner, items: ItemServiceDep) -> ItemRead:
    """Create an item that you own."""
    return ItemRead.model_validate(await items.create_item(user, data))
{%- else %}
async def create_item(data: ItemCreate, items: ItemServiceDep) -> ItemRead:
    """Create an item."""
    return ItemRead.model_validate(await items.create_item(data))
{%- endif %}


@router.get("/{item_id}", summary="Read an item", responses=error_responses(*_ERRORS, 404))
{%- if cookiecutter.auth == "jwt" %}
async def read_item(item_id: ItemId, user: ItemOwner, items: ItemServiceDep) -> ItemRead:
    """Return one of your items (any item, for admins); others' items are 404."""
    return ItemRead.model_validate(await items.get_item(user, item_id))
{%- else %}
async def read_item(item_id: ItemId, items: ItemServiceDep) -> ItemRead:
    """Return one item."""
    return ItemRead.model_validate(await items.get_item(item_id))
{%- endif %}


@router.patch("/{item_id}", summary="Update an item", responses=error_responses(*_ERRORS, 404, 413))
{%- if cookiecutter.auth == "jwt" %}
async def update_item(
    item_id: ItemId, data: ItemUpdate, user: ItemOwner, items: ItemServiceDep
) -> ItemRead:
    """Change the fields sent of one of your items (any item, for admins)."""
    return ItemRead.model_validate(await items.update_item(user, item_id, data))
{%- else %}
async def update_item(item_id: ItemId, data: ItemUpdate, items: ItemServiceDep) -> ItemRead:
    """Change the fields sent of one item; fields left out stay as they are."""
    return ItemRead.model_validate(await items.update_item(item_id, data))
{%- endif %}


@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete an item",
    responses=error_responses(*_ERRORS, 404),
)
{%- if cookiecutter.auth == "jwt" %}
async def delete_item(item_id: ItemId, user: ItemOwner, items: ItemServiceDep) -> None:
    """Delete one of your items (any item, for admins)."""
    await items.delete_item(user, item_id)
{%- else %}
async def delete_item(item_id: ItemId, items: ItemServiceDep) -> None:
    """Delete one item."""
    await items.delete_item(item_id)
{%- endif %}

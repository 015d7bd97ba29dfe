"""What every repository of one table offers, as Protocols a resource's own one extends.

A repository hands out rows to change (`get`, inside a transaction of the unit of work)
and reads to show (`read`, `read_page`: the resource's read schema, as the API returns it).
"""

from typing import Protocol, TypeVar

from app.schemas.common import Page

Row = TypeVar("Row")
Read = TypeVar("Read")


class Repository(Protocol[Row, Read]):
    """Get, add and delete the rows of one table; read them as `Read`."""

    async def get(self, row_id: int) -> Row | None:
        """Return the row with `row_id`, if any, to change it."""
        ...

    async def read(self, row_id: int) -> Read | None:
        """Return the row with `row_id`, if any, as the API shows it."""
        ...

    async def read_page(self, *, offset: int, limit: int) -> Page[Read]:
        """Return one page of rows, oldest first, with how many there are in all."""
        ...

    async def add(self, row: Row) -> Row:
        """Store a new row and give it an id."""
        ...

    async def delete(self, row: Row) -> None:
        """Delete `row`."""
        ...


class OwnedRepository(Repository[Row, Read], Protocol):
    """A repository of rows that each belong to one user."""

    async def read_owned_page(self, owner_id: int, *, offset: int, limit: int) -> Page[Read]:
        """Return one page of the rows of `owner_id`, oldest first, with their total."""
        ...

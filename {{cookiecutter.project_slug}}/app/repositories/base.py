"""What every repository of one table offers, as Protocols a resource's own one extends."""

from collections.abc import Sequence
from typing import Protocol, TypeVar

Row = TypeVar("Row")


class Repository(Protocol[Row]):
    """Get, add, delete and page the rows of one table."""

    async def get(self, row_id: int) -> Row | None:
        """Return the row with `row_id`, if any."""
        ...

    async def add(self, row: Row) -> Row:
        """Store a new row and give it an id."""
        ...

    async def delete(self, row: Row) -> None:
        """Delete `row`."""
        ...

    async def list(self, *, offset: int, limit: int) -> tuple[Sequence[Row], int]:
        """Return one page of rows, oldest first, and how many there are in all."""
        ...


class OwnedRepository(Repository[Row], Protocol):
    """A repository of rows that each belong to one user."""

    async def list_owned(
        self, owner_id: int, *, offset: int, limit: int
    ) -> tuple[Sequence[Row], int]:
        """Return one page of the rows of `owner_id`, oldest first, and their total."""
        ...

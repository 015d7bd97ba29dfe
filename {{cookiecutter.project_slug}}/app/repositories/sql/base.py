"""The SQL side of `app.repositories.base`: one table's get, add, delete and pages.

A resource's repository names its model and inherits the rest; its page statements are
built once, when the class is defined (see paging.py).
"""

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.mixins import IdMixin
from app.repositories.sql.flush import flush_or_conflict
from app.repositories.sql.paging import PagedSelect, fetch_page, paged

Row = TypeVar("Row", bound=IdMixin)


class SqlRepository(Generic[Row]):
    """Rows of `model` in one AsyncSession; the unit of work commits it."""

    model: ClassVar[type[Any]]
    _page: ClassVar[PagedSelect]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Build the page statement of a subclass that names its model."""
        super().__init_subclass__(**kwargs)
        if "model" in cls.__dict__:
            cls._page = paged(select(cls.model).order_by(cls.model.id))

    def __init__(self, session: AsyncSession) -> None:
        """Work inside `session`."""
        self._session = session

    async def get(self, row_id: int) -> Row | None:
        """Return the row with `row_id`, if any."""
        row: Row | None = await self._session.get(self.model, row_id)
        return row

    async def add(self, row: Row) -> Row:
        """Store a new row and give it an id; ConflictError if it clashes with a stored one."""
        self._session.add(row)
        await flush_or_conflict(self._session, "the change conflicts with existing data")
        return row

    async def delete(self, row: Row) -> None:
        """Delete `row` (and, through the database, what refers to it with ON DELETE CASCADE)."""
        await self._session.delete(row)
        await self._session.flush()

    async def list(self, *, offset: int, limit: int) -> tuple[Sequence[Row], int]:
        """Return one page of rows, oldest first, and how many there are in all."""
        return await fetch_page(self._session, self._page, offset=offset, limit=limit)


class SqlOwnedRepository(SqlRepository[Row]):
    """Rows that each belong to one user, through an `owner_id` column."""

    _owned_page: ClassVar[PagedSelect]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Also build the statement of one owner's pages."""
        super().__init_subclass__(**kwargs)
        if "model" in cls.__dict__:
            owned = select(cls.model).where(cls.model.owner_id == bindparam("owner_id"))
            cls._owned_page = paged(owned.order_by(cls.model.id))

    async def list_owned(
        self, owner_id: int, *, offset: int, limit: int
    ) -> tuple[Sequence[Row], int]:
        """Return one page of the rows of `owner_id`, oldest first, and their total."""
        return await fetch_page(
            self._session, self._owned_page, offset=offset, limit=limit, owner_id=owner_id
        )

"""The SQL side of `app.repositories.base`: one table's rows to change, and its reads.

A resource's repository names its model and its read schema and inherits the rest. Rows to
change go through the ORM session of the unit of work; reads select the read schema's
columns with Core and validate them straight into it (see reads.py), with statements
built once, when the class is defined.
"""

from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import bindparam
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.models.mixins import IdMixin
from app.repositories.sql.flush import flush_or_conflict
from app.repositories.sql.reads import ReadOne, ReadPage, read_select
from app.schemas.common import Page

Row = TypeVar("Row", bound=IdMixin)
Read = TypeVar("Read", bound=BaseModel)


class SqlRepository(Generic[Row, Read]):
    """Rows of `model` in one AsyncSession, read as `read_schema`; the unit of work commits."""

    model: ClassVar[type[Any]]
    read_schema: ClassVar[type[BaseModel]]
    _read_one: ClassVar[ReadOne[Any]]
    _read_page: ClassVar[ReadPage[Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Build the read statements of a subclass that names its model."""
        super().__init_subclass__(**kwargs)
        if "model" in cls.__dict__:
            columns = read_select(cls.read_schema, cls.model)
            cls._read_one = ReadOne(cls.read_schema, columns.where(cls.model.id == bindparam("id")))
            cls._read_page = ReadPage(cls.read_schema, columns.order_by(cls.model.id))

    def __init__(self, session: AsyncSession) -> None:
        """Work inside `session`."""
        self._session = session

    async def get(self, row_id: int) -> Row | None:
        """Return the row with `row_id`, if any, to change it."""
        row: Row | None = await self._session.get(self.model, row_id)
        return row

    async def read(self, row_id: int) -> Read | None:
        """Return the row with `row_id`, if any, as the API shows it."""
        found: Read | None = await self._read_one.fetch(await self._connection(), id=row_id)
        return found

    async def read_page(self, *, offset: int, limit: int) -> Page[Read]:
        """Return one page of rows, oldest first, with how many there are in all."""
        connection = await self._connection()
        page: Page[Read] = await self._read_page.fetch(connection, offset=offset, limit=limit)
        return page

    async def _connection(self) -> AsyncConnection:
        """Where reads run: a read block's own connection, or the transaction's."""
        if isinstance(self._session.bind, AsyncConnection):
            return self._session.bind  # no ORM transaction to begin for it
        return await self._session.connection()

    async def add(self, row: Row) -> Row:
        """Store a new row and give it an id; ConflictError if it clashes with a stored one."""
        self._session.add(row)
        await flush_or_conflict(self._session, "the change conflicts with existing data")
        return row

    async def delete(self, row: Row) -> None:
        """Delete `row` (and, through the database, what refers to it with ON DELETE CASCADE)."""
        await self._session.delete(row)
        await self._session.flush()


class SqlOwnedRepository(SqlRepository[Row, Read]):
    """Rows that each belong to one user, through an `owner_id` column."""

    _read_owned_page: ClassVar[ReadPage[Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Also build the statement of one owner's pages."""
        super().__init_subclass__(**kwargs)
        if "model" in cls.__dict__:
            owned = read_select(cls.read_schema, cls.model).where(
                cls.model.owner_id == bindparam("owner_id")
            )
            cls._read_owned_page = ReadPage(cls.read_schema, owned.order_by(cls.model.id))

    async def read_owned_page(self, owner_id: int, *, offset: int, limit: int) -> Page[Read]:
        """Return one page of the rows of `owner_id`, oldest first, with their total."""
        connection = await self._connection()
        page: Page[Read] = await self._read_owned_page.fetch(
            connection, offset=offset, limit=limit, owner_id=owner_id
        )
        return page

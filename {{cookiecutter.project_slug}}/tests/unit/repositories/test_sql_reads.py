"""ReadOne, ReadPage and read_select: Core rows straight into a schema, on the test database.

The rows are of `Numbered`, a table of these tests' own outside the app's metadata, so the
reads are checked whatever tables the app has.
"""

from collections.abc import AsyncIterator

import pytest
from pydantic import BaseModel
from sqlalchemy import String, bindparam
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.repositories.sql.database import get_engine
from app.repositories.sql.reads import ReadOne, ReadPage, read_select
from app.schemas.common import Page


class _ProbeBase(DeclarativeBase):
    """A metadata of its own, so the app's tables and migrations never see this table."""


class Numbered(_ProbeBase):
    """A row with its place in the order, a label, and a secret no read schema shows."""

    __tablename__ = "reads_probe"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))
    secret: Mapped[str] = mapped_column(String(20), default="hidden")


class NumberedRead(BaseModel):
    """What the reads return: no `secret`, and a field that no column fills."""

    id: int
    label: str
    flagged: bool = False


ALL = read_select(NumberedRead, Numbered)
ORDERED = ReadPage(NumberedRead, ALL.order_by(Numbered.id))
BEYOND = ReadPage(NumberedRead, ALL.where(Numbered.id > bindparam("floor")).order_by(Numbered.id))
BY_ID = ReadOne(NumberedRead, ALL.where(Numbered.id == bindparam("row_id")))


@pytest.fixture
async def five_rows(session: AsyncSession) -> AsyncIterator[AsyncConnection]:
    """Rows 1 to 5 in a table made for one test and dropped after; the connection they are on."""
    async with get_engine().begin() as connection:
        await connection.run_sync(_ProbeBase.metadata.create_all)
    session.add_all([Numbered(id=number, label=f"row {number}") for number in range(1, 6)])
    await session.flush()
    yield await session.connection()
    await session.rollback()
    async with get_engine().begin() as connection:
        await connection.run_sync(_ProbeBase.metadata.drop_all)


def _page(numbers: list[int], total: int, *, limit: int, offset: int) -> Page[NumberedRead]:
    items = [NumberedRead(id=number, label=f"row {number}") for number in numbers]
    return Page[NumberedRead](items=items, total=total, limit=limit, offset=offset)


def test_read_select_takes_only_the_columns_the_schema_shows() -> None:
    assert [column.name for column in ALL.selected_columns] == ["id", "label"]


async def test_a_page_holds_its_rows_as_the_schema_and_the_total(
    five_rows: AsyncConnection,
) -> None:
    page = await ORDERED.fetch(five_rows, offset=1, limit=2)

    assert page == _page([2, 3], 5, limit=2, offset=1)


async def test_a_page_past_the_end_is_empty_but_still_counts(
    five_rows: AsyncConnection,
) -> None:
    assert await ORDERED.fetch(five_rows, offset=10, limit=2) == _page([], 5, limit=2, offset=10)


async def test_the_first_page_of_nothing_is_empty_with_total_zero(
    five_rows: AsyncConnection,
) -> None:
    page = await BEYOND.fetch(five_rows, offset=0, limit=2, floor=100)

    assert page == _page([], 0, limit=2, offset=0)


async def test_the_query_parameters_apply_to_the_rows_and_to_the_total(
    five_rows: AsyncConnection,
) -> None:
    page = await BEYOND.fetch(five_rows, offset=0, limit=1, floor=3)
    past_the_end = await BEYOND.fetch(five_rows, offset=5, limit=1, floor=3)

    assert (page, past_the_end.total) == (_page([4], 2, limit=1, offset=0), 2)


async def test_one_row_is_read_as_the_schema(five_rows: AsyncConnection) -> None:
    assert await BY_ID.fetch(five_rows, row_id=3) == NumberedRead(id=3, label="row 3")


async def test_no_row_reads_as_none(five_rows: AsyncConnection) -> None:
    assert await BY_ID.fetch(five_rows, row_id=42) is None

"""fetch_page: one page of rows and the total, on the test database.

The rows are of `Numbered`, a table of these tests' own outside the app's metadata, so
the paging is checked whatever tables the app has.
"""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.repositories.sql.database import get_engine
from app.repositories.sql.paging import fetch_page, paged


class _PagingBase(DeclarativeBase):
    """A metadata of its own, so the app's tables and migrations never see this table."""


class Numbered(_PagingBase):
    """A row with nothing but its place in the order."""

    __tablename__ = "paging_probe"

    id: Mapped[int] = mapped_column(primary_key=True)


@pytest.fixture
async def five_rows(session: AsyncSession) -> AsyncIterator[None]:
    """Rows 1 to 5, in a table created for one test and dropped after."""
    async with get_engine().begin() as connection:
        await connection.run_sync(_PagingBase.metadata.create_all)
    session.add_all([Numbered(id=number) for number in range(1, 6)])
    await session.flush()
    yield
    await session.rollback()
    async with get_engine().begin() as connection:
        await connection.run_sync(_PagingBase.metadata.drop_all)


ORDERED = paged(select(Numbered).order_by(Numbered.id))
BEYOND = paged(select(Numbered).where(Numbered.id > bindparam("floor")).order_by(Numbered.id))


async def test_a_page_holds_its_rows_and_the_total(session: AsyncSession, five_rows: None) -> None:
    rows, total = await fetch_page(session, ORDERED, offset=1, limit=2)

    assert ([row.id for row in rows], total) == ([2, 3], 5)


async def test_a_page_past_the_end_is_empty_but_still_counts(
    session: AsyncSession, five_rows: None
) -> None:
    assert await fetch_page(session, ORDERED, offset=10, limit=2) == ([], 5)


async def test_the_first_page_of_nothing_is_empty_with_total_zero(
    session: AsyncSession, five_rows: None
) -> None:
    assert await fetch_page(session, BEYOND, offset=0, limit=2, floor=100) == ([], 0)


async def test_the_query_parameters_apply_to_the_rows_and_to_the_total(
    session: AsyncSession, five_rows: None
) -> None:
    rows, total = await fetch_page(session, BEYOND, offset=0, limit=1, floor=3)
    past_the_end = await fetch_page(session, BEYOND, offset=5, limit=1, floor=3)

    assert ([row.id for row in rows], total, past_the_end) == ([4], 2, ([], 2))

"""ReadOne, ReadPage, read_select and DriverQuery: Core rows straight into a schema, on the
test database.

The rows are of `Numbered`, a table of these tests' own outside the app's metadata, so the
reads are checked whatever tables the app has.
"""
{% if cookiecutter.database == "postgresql" %}
import asyncio
{%- endif %}
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel
{% set pg = cookiecutter.database == "postgresql" -%}
from sqlalchemy import Numeric, String, bindparam, column, event{% if pg %}, func{% endif %}, select, table{% if pg %}, text{% endif %}
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.models.mixins import UTCDateTime
from app.repositories.sql.database import get_engine
from app.repositories.sql.reads import DriverQuery, ReadOne, ReadPage, read_select
from app.schemas.common import Page

STAMP = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


class _ProbeBase(DeclarativeBase):
    """A metadata of its own, so the app's tables and migrations never see this table."""


class Numbered(_ProbeBase):
    """A row with its place in the order, a label, and a secret no read schema shows."""

    __tablename__ = "reads_probe"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))
    secret: Mapped[str] = mapped_column(String(20), default="hidden")
    stamped: Mapped[datetime] = mapped_column(UTCDateTime(), default=STAMP)
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("1.50"))


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


async def test_values_go_through_their_types_both_ways_as_with_sqlalchemy(
    five_rows: AsyncConnection,
) -> None:
    # The naive parameter is taken as UTC on the way in; the stored value reads back aware.
    query = DriverQuery(
        select(Numbered.id, Numbered.stamped, Numbered.amount)
        .where(Numbered.stamped < bindparam("before", type_=UTCDateTime()))
        .order_by(Numbered.id)
    )
    params = {"before": STAMP.replace(tzinfo=None) + timedelta(seconds=1)}

    rows = await query.rows(five_rows, params)
    through_sqlalchemy = (await five_rows.execute(query.statement, params)).all()

    assert [tuple(row) for row in rows] == [tuple(row) for row in through_sqlalchemy]
    first, second = (tuple(row) for row in rows[:2])
    assert (first, second) == ((1, STAMP, Decimal("1.50")), (2, STAMP, Decimal("1.50")))
    assert rows[0][1].tzinfo == UTC
    assert isinstance(rows[0][2], Decimal)


async def test_while_something_listens_to_statements_reads_go_through_sqlalchemy(
    five_rows: AsyncConnection,
) -> None:
    seen: list[str] = []

    def note(*args: Any) -> None:
        seen.append(args[2])  # (connection, cursor, statement, ...)

    event.listen(five_rows.sync_engine, "before_cursor_execute", note)
    try:
        heard = await BY_ID.fetch(five_rows, row_id=3)
    finally:
        event.remove(five_rows.sync_engine, "before_cursor_execute", note)
    unheard = await BY_ID.fetch(five_rows, row_id=3)

    assert heard == unheard == NumberedRead(id=3, label="row 3")
    assert len(seen) == 1
    assert "reads_probe" in seen[0]


async def test_a_query_the_database_refuses_raises_sqlalchemys_error(
    five_rows: AsyncConnection,
) -> None:
    nowhere = DriverQuery(select(table("no_such_table", column("id"))))

    with pytest.raises(DBAPIError) as raised:
        await nowhere.rows(five_rows, {})

    assert isinstance(raised.value.orig, five_rows.dialect.loaded_dbapi.Error)
    assert not raised.value.connection_invalidated


async def test_a_query_that_expands_parameters_is_refused(five_rows: AsyncConnection) -> None:
    listed = DriverQuery(
        select(Numbered.id).where(Numbered.id.in_(bindparam("ids", expanding=True)))
    )

    with pytest.raises(ValueError, match="IN lists"):
        await listed.rows(five_rows, {"ids": [1, 2]})
{%- if cookiecutter.database == "postgresql" %}


async def test_a_connection_the_server_dropped_is_invalidated(five_rows: AsyncConnection) -> None:
    async with get_engine().connect() as connection:
        backend = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        await five_rows.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})

        with pytest.raises(DBAPIError) as raised:
            await BY_ID.fetch(connection, row_id=3)

        assert raised.value.connection_invalidated
        assert connection.invalidated


async def test_a_read_cancelled_mid_query_leaves_its_connection_out_of_the_pool() -> None:
    slow = DriverQuery(select(func.pg_sleep(5)))

    async with get_engine().connect() as connection:
        reading = asyncio.create_task(slow.rows(connection, {}))
        await asyncio.sleep(0.1)
        reading.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reading

        assert connection.invalidated
{%- endif %}

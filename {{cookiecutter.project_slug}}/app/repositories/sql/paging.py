"""One page of rows and the total count, in one round trip."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def fetch_page(
    session: AsyncSession, query: Select[Any], *, offset: int, limit: int
) -> tuple[Sequence[Any], int]:
    """Run `query` (ordered by the caller) for one page; return its rows and the total.

    The total rides along as a window count on every row, so a page costs one query;
    only a page past the end, which has no row to carry it, asks for the count alone.
    """
    paged = query.add_columns(func.count().over()).offset(offset).limit(limit)
    rows: Sequence[Any] = (await session.execute(paged)).all()
    if rows:
        return [row[0] for row in rows], int(rows[0][1])
    if offset == 0:
        return [], 0
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return [], int(total or 0)

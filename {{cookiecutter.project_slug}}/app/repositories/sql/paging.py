"""One page of rows and the total count, in one round trip."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class PagedSelect:
    """The statements that page one ordered query; build them once, at import."""

    rows: Select[Any]
    total: Select[Any]


def paged(query: Select[Any]) -> PagedSelect:
    """Page `query` (ordered by the caller; its own parameters bound with `bindparam`).

    Every row of a page carries the total as a window count, and `offset` and `limit` are
    bound parameters, so one statement serves every page and is built only once.
    """
    return PagedSelect(
        rows=query.add_columns(func.count().over())
        .offset(bindparam("offset"))
        .limit(bindparam("limit")),
        total=select(func.count()).select_from(query.order_by(None).subquery()),
    )


async def fetch_page(
    session: AsyncSession, query: PagedSelect, *, offset: int, limit: int, **params: Any
) -> tuple[Sequence[Any], int]:
    """Run `query` for one page with `params`; return its rows and the total.

    A page costs one query; only a page past the end, which has no row to carry the
    total, asks for the count alone.
    """
    rows = (await session.execute(query.rows, {**params, "offset": offset, "limit": limit})).all()
    if rows:
        return [row[0] for row in rows], int(rows[0][1])
    if offset == 0:
        return [], 0
    return [], int(await session.scalar(query.total, params) or 0)

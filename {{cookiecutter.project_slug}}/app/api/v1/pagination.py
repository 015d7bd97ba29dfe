"""The `limit` and `offset` query parameters every list endpoint takes."""

from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel

from app.core.config import get_settings

MAX_OFFSET = 2**31 - 1


class PageQuery(BaseModel):
    """Where a page starts and how long it is."""

    limit: int
    offset: int


def page_query(
    limit: Annotated[
        int, Query(ge=1, le=get_settings().PAGINATION_MAX_LIMIT, description="Page size.")
    ] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")] = 0,
) -> PageQuery:
    """Read and bound the paging parameters."""
    return PageQuery(limit=limit, offset=offset)


PageParams = Annotated[PageQuery, Depends(page_query)]

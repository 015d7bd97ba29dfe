"""The `limit` and `offset` query parameters every list endpoint takes."""

from collections.abc import Sequence
from typing import Annotated, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from app.core.config import get_settings
from app.schemas.common import Page

Schema = TypeVar("Schema", bound=BaseModel)

MAX_OFFSET = 2**31 - 1


class PageQuery(BaseModel):
    """Where a page starts and how long it is."""

    limit: int
    offset: int

    def page(self, schema: type[Schema], found: Sequence[object], total: int) -> Page[Schema]:
        """Wrap the rows a service found into a page of `schema` bodies (one validation)."""
        return Page[schema].model_validate(  # type: ignore[valid-type]
            {"items": found, "total": total, "limit": self.limit, "offset": self.offset},
            from_attributes=True,
        )


async def page_query(
    limit: Annotated[
        int, Query(ge=1, le=get_settings().PAGINATION_MAX_LIMIT, description="Page size.")
    ] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")] = 0,
) -> PageQuery:
    """Read and bound the paging parameters."""
    return PageQuery(limit=limit, offset=offset)


PageParams = Annotated[PageQuery, Depends(page_query)]

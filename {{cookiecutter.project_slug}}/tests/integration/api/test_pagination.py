"""The paging parameters and the page body that every list route shares."""

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import BaseModel

from app.api.v1.pagination import PageParams
from app.main import create_app
from app.schemas.common import Page
from tests.fixtures.problems import assert_validation_problem

ROWS = [{"name": f"row {number}"} for number in range(5)]


class Row(BaseModel):
    """One row of the list."""

    name: str


@pytest.fixture
async def rows_client() -> AsyncIterator[httpx.AsyncClient]:
    """A client on a fresh app with one extra list route, over five rows."""
    fresh = create_app()

    @fresh.get("/rows")
    async def list_rows(page: PageParams) -> Page[Row]:
        found = ROWS[page.offset : page.offset + page.limit]
        return page.page(Row, found, len(ROWS))

    transport = httpx.ASGITransport(app=fresh)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_a_page_carries_its_rows_the_total_the_limit_and_the_offset(
    rows_client: httpx.AsyncClient,
) -> None:
    response = await rows_client.get("/rows", params={"limit": 2, "offset": 1})

    assert response.status_code == 200
    assert response.json() == {
        "items": [{"name": "row 1"}, {"name": "row 2"}],
        "total": 5,
        "limit": 2,
        "offset": 1,
    }


async def test_a_page_starts_at_the_first_row_and_holds_up_to_20(
    rows_client: httpx.AsyncClient,
) -> None:
    response = await rows_client.get("/rows")

    body = response.json()
    assert (len(body["items"]), body["limit"], body["offset"]) == (5, 20, 0)


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 2**31}, "offset"),
    ],
    ids=["limit-zero", "limit-above-the-maximum", "negative-offset", "offset-too-large"],
)
async def test_paging_parameters_out_of_bounds_give_422(
    rows_client: httpx.AsyncClient, params: dict[str, int], loc: str
) -> None:
    response = await rows_client.get("/rows", params=params)

    assert_validation_problem(response, "query", loc)

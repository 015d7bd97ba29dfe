"""The reference: bare FastAPI with `async def` routes, the same paths and response
shapes as the generated app, served from memory.

It has no database, no layers, no dependency chain and no password hashing, so it shows
what one uvicorn worker on this machine can do at all. The harness prints each
scenario's throughput as a ratio to this app's, which compares across machines.

Run it with the baked project's interpreter (FastAPI, uvicorn and python-multipart come
with the project): `uvicorn reference_app:app --app-dir bench`.
"""

from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, FastAPI, Header, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

T = TypeVar("T")

SEEDED_ITEMS = 1000
NOW = datetime(2025, 1, 1, tzinfo=UTC)


class Status(BaseModel):
    """A health answer."""

    status: str


class ItemRead(BaseModel):
    """The generated app's item body."""

    id: int
    title: str
    description: str | None
    owner_id: int
    created_at: datetime
    updated_at: datetime


class ItemCreate(BaseModel):
    """A new item."""

    title: str
    description: str | None = None


class ItemUpdate(BaseModel):
    """Changes to an item."""

    title: str | None = None
    description: str | None = None


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int
    limit: int
    offset: int


class UserRead(BaseModel):
    """The generated app's user body."""

    id: int
    email: str
    full_name: str
    role: str
    is_active: bool
    created_at: datetime
    updated_at: datetime


class TokenPair(BaseModel):
    """The generated app's login answer."""

    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


def _item(item_id: int) -> ItemRead:
    return ItemRead(
        id=item_id,
        title=f"Item {item_id}",
        description="Seeded by the benchmark.",
        owner_id=2,
        created_at=NOW,
        updated_at=NOW,
    )


ITEMS: dict[int, ItemRead] = {i: _item(i) for i in range(1, SEEDED_ITEMS + 1)}
ME = UserRead(
    id=2,
    email="bench-user@example.com",
    full_name="Bench User",
    role="user",
    is_active=True,
    created_at=NOW,
    updated_at=NOW,
)

app = FastAPI(title="Benchmark reference")


async def bearer(authorization: Annotated[str | None, Header()] = None) -> str:
    """The bearer token of the request (not verified); 401 when there is none."""
    if authorization is None or not authorization.startswith("Bearer "):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Not authenticated.")
    return authorization.removeprefix("Bearer ")


Token = Annotated[str, Depends(bearer)]


@app.get("/health")
async def health() -> Status:
    """Liveness."""
    return Status(status="ok")


@app.get("/api/v1/items")
async def list_items(_: Token, limit: int = 20, offset: int = 0) -> Page[ItemRead]:
    """One page of the items in memory."""
    ids = range(offset + 1, min(offset + limit, len(ITEMS)) + 1)  # ids run 1..len(ITEMS)
    return Page[ItemRead](
        items=[ITEMS[i] for i in ids], total=len(ITEMS), limit=limit, offset=offset
    )


@app.post("/api/v1/items", status_code=status.HTTP_201_CREATED)
async def create_item(_: Token, data: ItemCreate) -> ItemRead:
    """Store a new item in memory."""
    item = _item(len(ITEMS) + 1).model_copy(update=data.model_dump())
    ITEMS[item.id] = item
    return item


@app.get("/api/v1/items/{item_id}")
async def read_item(_: Token, item_id: int) -> ItemRead:
    """One item from memory."""
    if item_id not in ITEMS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Item not found.")
    return ITEMS[item_id]


@app.patch("/api/v1/items/{item_id}")
async def update_item(_: Token, item_id: int, data: ItemUpdate) -> ItemRead:
    """Change an item in memory."""
    if item_id not in ITEMS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Item not found.")
    item = ITEMS[item_id].model_copy(update=data.model_dump(exclude_unset=True))
    ITEMS[item_id] = item
    return item


@app.get("/api/v1/users/me")
async def read_me(_: Token) -> UserRead:
    """The one user."""
    return ME


@app.post("/api/v1/auth/login")
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenPair:
    """Accept any form and answer a fixed token pair (no hashing, no storage)."""
    return TokenPair(access_token="access", refresh_token="refresh", expires_in=900)

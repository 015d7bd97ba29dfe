"""What the services may ask of storage, as Protocols.

Services depend on these interfaces only; `app.repositories.sql` implements them on
SQLAlchemy, and the unit tests implement them in memory.
"""

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from app.models import Item, RefreshToken, User


class UserRepository(Protocol):
    """Stores users."""

    async def get(self, user_id: int) -> User | None:
        """Return the user with `user_id`, if any."""
        ...

    async def get_by_email(self, email: str) -> User | None:
        """Return the user whose (normalised) email is `email`, if any."""
        ...

    async def list(self, *, offset: int, limit: int) -> tuple[Sequence[User], int]:
        """Return one page of users, oldest first, and how many there are in all."""
        ...

    async def count_active_admins(self) -> int:
        """Count the active users with the admin role."""
        ...

    async def add(self, user: User) -> User:
        """Store a new user and give it an id; ConflictError if the email is taken."""
        ...

    async def delete(self, user: User) -> None:
        """Delete `user` and everything it owns."""
        ...


class ItemRepository(Protocol):
    """Stores items."""

    async def get(self, item_id: int) -> Item | None:
        """Return the item with `item_id`, if any."""
        ...

    async def list(
        self, *, owner_id: int | None, offset: int, limit: int
    ) -> tuple[Sequence[Item], int]:
        """Return one page of items (of one owner, or of all), oldest first, and the total."""
        ...

    async def add(self, item: Item) -> Item:
        """Store a new item and give it an id."""
        ...

    async def delete(self, item: Item) -> None:
        """Delete `item`."""
        ...


class RefreshTokenRepository(Protocol):
    """Stores the hashes of issued refresh tokens."""

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        """Return the stored token whose hash is `token_hash`, if any."""
        ...

    async def add(self, token: RefreshToken) -> RefreshToken:
        """Store a newly issued token."""
        ...

    async def revoke(self, token_id: int, now: datetime) -> bool:
        """Revoke one token unless already revoked; tell whether this call revoked it."""
        ...

    async def revoke_all_for_user(self, user_id: int, now: datetime) -> None:
        """Revoke every token of one user."""
        ...


class UnitOfWork(Protocol):
    """One transaction over all repositories: commit it, or it is rolled back."""

    @property
    def users(self) -> UserRepository:
        """The users, inside this transaction."""
        ...

    @property
    def items(self) -> ItemRepository:
        """The items, inside this transaction."""
        ...

    @property
    def refresh_tokens(self) -> RefreshTokenRepository:
        """The refresh-token hashes, inside this transaction."""
        ...

    async def __aenter__(self) -> Self:
        """Begin the transaction."""
        ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """End the transaction, rolling back whatever was not committed."""
        ...

    async def commit(self) -> None:
        """Make the changes so far permanent; ConflictError on a unique-key clash."""
        ...

    async def ping(self) -> bool:
        """Tell whether the database answers."""
        ...

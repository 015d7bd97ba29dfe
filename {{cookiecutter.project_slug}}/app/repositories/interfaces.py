"""What the services may ask of storage, as Protocols.

Services depend on these interfaces only; `app.repositories.sql` implements them on
SQLAlchemy, and the unit tests implement them in memory.
"""

{% if cookiecutter.auth == "jwt" or cookiecutter.include_example_resource == "yes" -%}
from collections.abc import Sequence
{% endif -%}
{% if cookiecutter.auth == "jwt" -%}
from datetime import datetime
{% endif -%}
from types import TracebackType
from typing import Protocol, Self, TypeVar
{%- if cookiecutter.auth == "jwt" and cookiecutter.include_example_resource == "yes" %}

from app.models import Item, RefreshToken, User
{%- elif cookiecutter.auth == "jwt" %}

from app.models import RefreshToken, User
{%- elif cookiecutter.include_example_resource == "yes" %}

from app.models import Item
{%- endif %}

ModelT = TypeVar("ModelT")


class Repository(Protocol[ModelT]):
    """What every repository of one table offers; a repository Protocol extends it."""

    async def get(self, row_id: int) -> ModelT | None:
        """Return the row with `row_id`, if any."""
        ...

    async def add(self, row: ModelT) -> ModelT:
        """Store a new row and give it an id."""
        ...

    async def delete(self, row: ModelT) -> None:
        """Delete `row`."""
        ...
{%- if cookiecutter.auth == "jwt" %}


class UserRepository(Repository[User], Protocol):
    """Stores users."""

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
{%- endif %}
{%- if cookiecutter.include_example_resource == "yes" %}


class ItemRepository(Repository[Item], Protocol):
    """Stores items."""
{%- if cookiecutter.auth == "jwt" %}

    async def list(
        self, *, owner_id: int | None, offset: int, limit: int
    ) -> tuple[Sequence[Item], int]:
        """Return one page of items (of one owner, or of all), oldest first, and the total."""
        ...
{%- else %}

    async def list(self, *, offset: int, limit: int) -> tuple[Sequence[Item], int]:
        """Return one page of items, oldest first, and how many there are in all."""
        ...
{%- endif %}
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}


class RefreshTokenRepository(Protocol):
    """Stores the hashes of issued refresh tokens.

    Not a `Repository`: tokens are found by hash and revoked, never read by id or deleted.
    """

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
{%- endif %}


class UnitOfWork(Protocol):
    """One transaction over all repositories: commit it, or it is rolled back."""
{%- if cookiecutter.auth == "jwt" %}

    @property
    def users(self) -> UserRepository:
        """The users, inside this transaction."""
        ...
{%- endif %}
{%- if cookiecutter.include_example_resource == "yes" %}

    @property
    def items(self) -> ItemRepository:
        """The items, inside this transaction."""
        ...
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}

    @property
    def refresh_tokens(self) -> RefreshTokenRepository:
        """The refresh-token hashes, inside this transaction."""
        ...
{%- endif %}

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

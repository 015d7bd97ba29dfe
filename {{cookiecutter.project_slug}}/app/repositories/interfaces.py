"""What the services may ask of storage, as Protocols.

Services depend on these interfaces only; `app.repositories.sql` implements them on
SQLAlchemy, and the unit tests implement them in memory.
"""

{% if cookiecutter.auth == "jwt" or cookiecutter.include_example_resource == "yes" -%}
from collections.abc import Sequence
{% endif -%}
from contextlib import AbstractAsyncContextManager
{% if cookiecutter.auth == "jwt" -%}
from datetime import datetime
{% endif -%}
from types import TracebackType
from typing import Protocol, Self, TypeVar
{%- if cookiecutter.auth == "jwt" and cookiecutter.include_example_resource == "yes" %}

from app.models import AuthSession, Item, LoginThrottle, User
{%- elif cookiecutter.auth == "jwt" %}

from app.models import AuthSession, LoginThrottle, User
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

    async def get_signed_in(
        self, user_id: int, session_id: int, token_version: int, now: datetime
    ) -> User | None:
        """Return the user an access token names, in one query, if the token still holds.

        It holds while the user is active, the user's token version is `token_version`,
        and session `session_id` is the user's, not revoked and not expired at `now`.
        """
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


class AuthSessionRepository(Protocol):
    """Stores sessions: one per login, with the hash of its newest refresh token.

    Not a `Repository`: sessions are revoked, never deleted (but with their user).
    """

    async def get(self, session_id: int) -> AuthSession | None:
        """Return the session with `session_id`, if any."""
        ...

    async def add(self, session: AuthSession) -> AuthSession:
        """Store a new session and give it an id."""
        ...

    async def list_active(
        self, user_id: int, now: datetime, *, offset: int, limit: int
    ) -> tuple[Sequence[AuthSession], int]:
        """Return one page of a user's live sessions at `now`, oldest first, and the total."""
        ...

    async def rotate(
        self, session_id: int, old_hash: str, new_hash: str, now: datetime, expires_at: datetime
    ) -> bool:
        """Swap the refresh-token hash of a live session from `old_hash` to `new_hash`.

        Atomic: of two concurrent rotations from one hash, one wins. Tell whether this did.
        """
        ...

    async def revoke(self, session_id: int, now: datetime) -> bool:
        """Revoke one session unless already revoked; tell whether this call revoked it."""
        ...

    async def revoke_all_for_user(self, user_id: int, now: datetime) -> None:
        """Revoke every live session of one user."""
        ...


class LoginThrottleRepository(Protocol):
    """Counts failed logins per key (the hash of an email), shared by every process."""

    async def get_by_key(self, key_hash: str) -> LoginThrottle | None:
        """Return the throttle of `key_hash`, if it has one."""
        ...

    async def record_failure(self, key_hash: str, now: datetime, window_start: datetime) -> int:
        """Count one failure, atomically; return the failures since the window began.

        Failures from before `window_start` are forgotten: the count starts again at 1.
        """
        ...

    async def lock(self, key_hash: str, until: datetime) -> None:
        """Lock `key_hash` until `until`, and start its count again."""
        ...

    async def clear(self, key_hash: str) -> None:
        """Forget every failure and lockout of `key_hash`."""
        ...
{%- endif %}


class UnitOfWork(Protocol):
    """One transaction over all repositories: commit it, or it is rolled back.

    `async with uow:` opens a transaction. `async with uow.read():` opens a block that only
    reads: no transaction (each query sees the latest committed data, with no BEGIN or
    ROLLBACK around it) and any write raises. Use it for use cases that only read.
    """
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
    def auth_sessions(self) -> AuthSessionRepository:
        """The sessions, inside this transaction."""
        ...

    @property
    def login_throttles(self) -> LoginThrottleRepository:
        """The failed-login counts, inside this transaction."""
        ...
{%- endif %}

    async def __aenter__(self) -> Self:
        """Begin the transaction."""
        ...

    def read(self) -> AbstractAsyncContextManager[Self]:
        """A block that only reads, outside any transaction; writing in it raises."""
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

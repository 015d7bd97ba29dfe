"""The unit of work: one transaction over every repository, as the services see it.

Services depend on these Protocols only; `app.repositories.sql` implements them on
SQLAlchemy, and the unit tests implement them in memory. Each repository is one
property here, its Protocol in a module of its own beside this one.
"""

from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Protocol, Self
{%- if cookiecutter.auth == "jwt" %}

from app.repositories.account_tokens import AccountTokenRepository
from app.repositories.auth_sessions import AuthSessionRepository
from app.repositories.login_throttles import LoginThrottleRepository
from app.repositories.mails import MailOutboxRepository
from app.repositories.users import UserRepository
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

    @property
    def auth_sessions(self) -> AuthSessionRepository:
        """The sessions, inside this transaction."""
        ...

    @property
    def login_throttles(self) -> LoginThrottleRepository:
        """The failed-login counts, inside this transaction."""
        ...

    @property
    def account_tokens(self) -> AccountTokenRepository:
        """The single-use tokens of account mails, inside this transaction."""
        ...

    @property
    def mails(self) -> MailOutboxRepository:
        """The outbox, inside this transaction: a mail enqueued here is sent once it commits."""
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

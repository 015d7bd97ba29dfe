"""What the services may ask of the stored users."""

from datetime import datetime
from typing import Protocol

from app.models.user import User
from app.repositories.base import Repository
from app.schemas.user import UserRead


class UserRepository(Repository[User, UserRead], Protocol):
    """Stores users; `add` raises ConflictError when the email is taken, and `delete`
    removes everything the user owns."""

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

    async def count_active_admins(self) -> int:
        """Count the active users with the admin role."""
        ...

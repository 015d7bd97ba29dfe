"""What the services may ask of the stored sessions."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from app.models.auth_session import AuthSession


class AuthSessionRepository(Protocol):
    """Stores sessions: one per login, with the hash of its newest refresh token.

    Not a `Repository`: sessions are revoked, and deleted only once ended (or with their user).
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

    async def purge_ended(self, now: datetime) -> int:
        """Delete the sessions that expired or were revoked before `now`; return how many."""
        ...

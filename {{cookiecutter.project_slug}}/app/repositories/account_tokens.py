"""What the services may ask of the single-use account tokens."""

from datetime import datetime
from typing import Protocol

from app.models.account_token import AccountToken, TokenPurpose


class AccountTokenRepository(Protocol):
    """Stores single-use tokens by the hash of their value."""

    async def add(self, token: AccountToken) -> AccountToken:
        """Store a new token and give it an id."""
        ...

    async def get_by_hash(self, token_hash: str) -> AccountToken | None:
        """Return the token whose value hashes to `token_hash`, if any."""
        ...

    async def use(self, token_id: int, now: datetime) -> bool:
        """Mark an unused token used at `now`; False if it was used already.

        One conditional update: of two requests with one token, one wins.
        """
        ...

    async def supersede(self, user_id: int, purpose: TokenPurpose, now: datetime) -> None:
        """Mark every unused token of `user_id` for `purpose` used: a newer one replaces them."""
        ...

    async def purge(self, now: datetime) -> int:
        """Delete the tokens used or expired before `now`; return how many."""
        ...

"""What the services may ask of the stored failed-login counts."""

from datetime import datetime
from typing import Protocol

from app.models.login_throttle import LoginThrottle


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

    async def purge_stale(self, window_start: datetime, now: datetime) -> int:
        """Delete the counts whose window began before `window_start` and that lock nothing
        at `now`; return how many."""
        ...

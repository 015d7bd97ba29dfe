"""What the account mails share: single-use links, and limits on asking for them."""

import math
import secrets
from datetime import datetime, timedelta

from app.core.errors import TooManyAttemptsError
from app.core.security import fingerprint
from app.models.account_token import AccountToken, TokenPurpose
from app.models.user import User
from app.repositories.unit_of_work import UnitOfWork
from app.schemas.mail import Recipient

# 32 random bytes: 256 bits, as a URL-safe string.
TOKEN_BYTES = 32


async def issue_token(
    uow: UnitOfWork,
    user_id: int,
    purpose: TokenPurpose,
    expires_at: datetime,
    now: datetime,
    email: str | None = None,
) -> str:
    """Store a new single-use token of `user_id` for `purpose`, voiding their older ones.

    Only its hash is stored: the value returned goes into the link of a mail, and nowhere else.
    """
    await uow.account_tokens.supersede(user_id, purpose, now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    await uow.account_tokens.add(
        AccountToken(
            user_id=user_id,
            purpose=purpose,
            token_hash=fingerprint(token),
            expires_at=expires_at,
            email=email,
        )
    )
    return token


async def count_request(
    uow: UnitOfWork, key: str, limit: int, window: timedelta, now: datetime, refusal: str
) -> None:
    """Count one request under `key` in the login-throttle table; over `limit` in `window`,
    TooManyAttemptsError with `refusal` until the window has passed.

    The count lives in the database, so the limit holds across processes and replicas.
    """
    key_hash = fingerprint(key)
    throttle = await uow.login_throttles.get_by_key(key_hash)
    if throttle is not None and throttle.locked_until is not None:
        wait = (throttle.locked_until - now).total_seconds()
        if wait > 0:
            raise TooManyAttemptsError(refusal, retry_after=math.ceil(wait))
    if await uow.login_throttles.record_failure(key_hash, now, now - window) >= limit:
        await uow.login_throttles.lock(key_hash, now + window)


def recipient(user: User, email: str | None = None) -> Recipient:
    """`user` as the recipient of a mail, at their address or at `email`."""
    return Recipient(email=email or user.email, name=user.full_name)

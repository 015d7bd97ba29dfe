"""Password recovery by mail: a single-use link, then a new password."""

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.config import Settings
from app.core.errors import BusinessRuleError
from app.core.security import PasswordHasher, fingerprint, normalise_email
from app.models.account_token import AccountToken, TokenPurpose
from app.models.user import User
from app.repositories.unit_of_work import UnitOfWork
from app.schemas.mail import Mail
from app.services.account_mail import count_request, issue_token, recipient
from app.utils.time import utcnow

# One answer for every token that does not work, so it tells nothing of why.
BAD_RESET_TOKEN = "The reset link is invalid or has expired; ask for a new one."
TOO_MANY_REQUESTS = "Too many password-recovery requests; try again later."


@dataclass(frozen=True, slots=True)
class RecoveryPolicy:
    """How long a reset link works, where it leads, and how often one may be asked for."""

    token_lifetime: timedelta
    reset_url: str
    window: timedelta
    max_per_email: int
    max_per_address: int
    # No answer comes sooner: a known email costs a few more writes than an unknown one.
    min_answer_time: timedelta = timedelta(0)

    @classmethod
    def from_settings(cls, settings: Settings) -> "RecoveryPolicy":
        """The policy of PASSWORD_RESET_EXPIRE_MINUTES, FRONTEND_URL and the limits."""
        return cls(
            token_lifetime=timedelta(minutes=settings.PASSWORD_RESET_EXPIRE_MINUTES),
            reset_url=f"{str(settings.FRONTEND_URL).rstrip('/')}/reset-password",
            window=timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES),
            max_per_email=settings.PASSWORD_RECOVERY_MAX_PER_EMAIL,
            max_per_address=settings.PASSWORD_RECOVERY_MAX_PER_ADDRESS,
            min_answer_time=timedelta(milliseconds=settings.PASSWORD_RECOVERY_MIN_ANSWER_MS),
        )


class AccountRecoveryService:
    """Mails reset links, and trades one for a new password."""

    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, policy: RecoveryPolicy) -> None:
        """Use `uow` for storage, `hasher` for the new password, and `policy`."""
        self.uow = uow
        self.hasher = hasher
        self.policy = policy

    async def request_reset(self, email: str, client_address: str) -> None:
        """Mail a reset link to `email` if an active account has it; else do nothing.

        The caller learns nothing either way. Requests are counted per email and per client
        address in the login-throttle table, so the limits hold across processes; over a
        limit, TooManyAttemptsError, whether the account exists or not. A new link
        supersedes the user's older ones. It returns no sooner than the policy's
        `min_answer_time` after it began, so the time it takes tells nothing either.
        """
        loop = asyncio.get_running_loop()
        answer_at = loop.time() + self.policy.min_answer_time.total_seconds()
        email = normalise_email(email)
        now = utcnow()
        limits = {
            f"password-recovery:email:{email}": self.policy.max_per_email,
            f"password-recovery:address:{client_address}": self.policy.max_per_address,
        }
        async with self.uow:
            for key, limit in limits.items():
                await count_request(
                    self.uow, key, limit, self.policy.window, now, TOO_MANY_REQUESTS
                )
            user = await self.uow.users.get_by_email(email)
            if user is not None and user.is_active:
                await self._mail_link(user, now)
            await self.uow.commit()
        # After the transaction: the wait holds no database connection.
        await asyncio.sleep(max(answer_at - loop.time(), 0))

    async def reset_password(self, token: str, new_password: str) -> None:
        """Set a new password with a reset token; end every session of the user.

        BusinessRuleError, always the same, for a token that is unknown, used, superseded
        or expired, or whose user is gone or inactive. The token is checked before the
        password is hashed, so a wrong one costs no hashing.
        """
        token_hash = fingerprint(token)
        async with self.uow.read():
            found = await self.uow.account_tokens.get_by_hash(token_hash)
        now = utcnow()
        if not _works(found, now):
            raise BusinessRuleError(BAD_RESET_TOKEN)
        assert found is not None and found.id is not None
        hashed = await self.hasher.hash(new_password)
        async with self.uow:
            user = await self.uow.users.get(found.user_id)
            if user is None or not user.is_active:
                raise BusinessRuleError(BAD_RESET_TOKEN)
            if not await self.uow.account_tokens.use(found.id, now):
                raise BusinessRuleError(BAD_RESET_TOKEN)  # another request used it first
            user.hashed_password = hashed
            # As a password change: every session ends, every token issued stops working.
            user.token_version += 1
            user.updated_at = now
            assert user.id is not None
            await self.uow.auth_sessions.revoke_all_for_user(user.id, now)
            await self.uow.mails.enqueue(
                Mail(to=recipient(user), template="password_changed", context={})
            )
            await self.uow.commit()

    async def _mail_link(self, user: User, now: datetime) -> None:
        assert user.id is not None
        token = await issue_token(
            self.uow, user.id, TokenPurpose.PASSWORD_RESET, now + self.policy.token_lifetime, now
        )
        minutes = int(self.policy.token_lifetime.total_seconds() // 60)
        await self.uow.mails.enqueue(
            Mail(
                to=recipient(user),
                template="password_reset",
                context={"link": f"{self.policy.reset_url}?token={token}", "minutes": minutes},
            )
        )


def _works(token: AccountToken | None, now: datetime) -> bool:
    return (
        token is not None
        and token.purpose == TokenPurpose.PASSWORD_RESET
        and token.used_at is None
        and token.expires_at > now
    )

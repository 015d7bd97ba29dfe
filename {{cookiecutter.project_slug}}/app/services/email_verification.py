"""Email verification by mail: a link to each new address, confirmed before it counts."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from app.core.config import Settings
from app.core.errors import BusinessRuleError, ConflictError, NotFoundError
from app.core.security import fingerprint
from app.models.account_token import AccountToken, TokenPurpose
from app.models.user import User
from app.repositories.unit_of_work import UnitOfWork
from app.schemas.mail import Mail
from app.services.account_mail import count_request, issue_token, recipient
from app.utils.time import utcnow

# One answer for every link that does not work, so it tells nothing of why.
BAD_VERIFICATION_TOKEN = "The confirmation link is invalid or has expired; ask for a new one."
ALREADY_VERIFIED = "This email is already verified."
VERIFICATION_OFF = "Email verification is off (EMAIL_VERIFICATION=off)."
TOO_MANY_REQUESTS = "Too many verification mails asked for; try again later."
EMAIL_TAKEN = "a user with this email already exists"
USER_NOT_FOUND = "User not found."

Mode = Literal["off", "optional", "required"]


@dataclass(frozen=True, slots=True)
class VerificationPolicy:
    """Whether addresses are confirmed, how long a link works, where it leads, how often."""

    mode: Mode
    token_lifetime: timedelta
    verify_url: str
    window: timedelta
    max_per_user: int

    @classmethod
    def from_settings(cls, settings: Settings) -> "VerificationPolicy":
        """The policy of the EMAIL_VERIFICATION* settings and FRONTEND_URL."""
        return cls(
            mode=settings.EMAIL_VERIFICATION,
            token_lifetime=timedelta(hours=settings.EMAIL_VERIFICATION_EXPIRE_HOURS),
            verify_url=f"{str(settings.FRONTEND_URL).rstrip('/')}/verify-email",
            window=timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES),
            max_per_user=settings.EMAIL_VERIFICATION_MAX_PER_USER,
        )

    @property
    def on(self) -> bool:
        """Whether new addresses are confirmed by mail at all."""
        return self.mode != "off"

    def blocks(self, user: User) -> bool:
        """Whether `user` may do no more than sign in and read their account."""
        return self.mode == "required" and not user.email_verified


async def mail_verification_link(
    uow: UnitOfWork, user: User, policy: VerificationPolicy, now: datetime
) -> None:
    """In `uow`'s transaction, mail `user` a link that confirms their current address."""
    await _mail_link(uow, user, TokenPurpose.EMAIL_VERIFICATION, user.email, policy, now)


async def mail_email_change(
    uow: UnitOfWork, user: User, new_email: str, policy: VerificationPolicy, now: datetime
) -> None:
    """In `uow`'s transaction, mail `new_email` a link that moves `user` to it, and tell the
    old address; nothing changes until the link is followed."""
    await _mail_link(uow, user, TokenPurpose.EMAIL_CHANGE, new_email, policy, now)
    await mail_email_change_notice(uow, user, new_email, pending=True)


async def mail_email_change_notice(
    uow: UnitOfWork, user: User, new_email: str, *, pending: bool
) -> None:
    """In `uow`'s transaction, tell `user`'s current address that the account is moving to
    `new_email`: once confirmed (`pending`), or already."""
    await uow.mails.enqueue(
        Mail(
            to=recipient(user),
            template="email_change_notice",
            context={"new_email": new_email, "pending": pending},
        )
    )


class EmailVerificationService:
    """Mails confirmation links on request, and confirms addresses with them."""

    def __init__(self, uow: UnitOfWork, policy: VerificationPolicy) -> None:
        """Use `uow` for storage and `policy`."""
        self.uow = uow
        self.policy = policy

    async def resend(self, user_id: int) -> None:
        """Mail user `user_id` a new link for their address; older links stop working.

        BusinessRuleError while verification is off, NotFoundError for no such user,
        ConflictError once the address is verified; TooManyAttemptsError past
        EMAIL_VERIFICATION_MAX_PER_USER requests a window, whoever asks.
        """
        if not self.policy.on:
            raise BusinessRuleError(VERIFICATION_OFF)
        now = utcnow()
        async with self.uow:
            user = await self.uow.users.get(user_id)
            if user is None:
                raise NotFoundError(USER_NOT_FOUND)
            if user.email_verified:
                raise ConflictError(ALREADY_VERIFIED)
            await count_request(
                self.uow,
                f"email-verification:user:{user_id}",
                self.policy.max_per_user,
                self.policy.window,
                now,
                TOO_MANY_REQUESTS,
            )
            await mail_verification_link(self.uow, user, self.policy, now)
            await self.uow.commit()

    async def confirm(self, token: str) -> None:
        """Confirm the address a mailed link was sent to: the user's own, or their new one.

        BusinessRuleError, always the same, for a token that is unknown, used, superseded or
        expired, whose user is gone or inactive, or whose address is no longer the user's;
        ConflictError if another account took the new address meanwhile.
        """
        now = utcnow()
        async with self.uow:
            found = await self.uow.account_tokens.get_by_hash(fingerprint(token))
            if not _works(found, now):
                raise BusinessRuleError(BAD_VERIFICATION_TOKEN)
            assert found is not None and found.id is not None and found.email is not None
            user = await self.uow.users.get(found.user_id)
            if user is None or not user.is_active:
                raise BusinessRuleError(BAD_VERIFICATION_TOKEN)
            if found.purpose == TokenPurpose.EMAIL_VERIFICATION and found.email != user.email:
                raise BusinessRuleError(BAD_VERIFICATION_TOKEN)
            if found.email != user.email and await self.uow.users.get_by_email(found.email):
                raise ConflictError(EMAIL_TAKEN)
            if not await self.uow.account_tokens.use(found.id, now):
                raise BusinessRuleError(BAD_VERIFICATION_TOKEN)  # another request used it first
            user.email = found.email
            user.email_verified = True
            user.updated_at = now
            # The address is settled: links to this one or to another are moot.
            for purpose in (TokenPurpose.EMAIL_VERIFICATION, TokenPurpose.EMAIL_CHANGE):
                await self.uow.account_tokens.supersede(found.user_id, purpose, now)
            await self.uow.commit()


async def _mail_link(
    uow: UnitOfWork,
    user: User,
    purpose: TokenPurpose,
    email: str,
    policy: VerificationPolicy,
    now: datetime,
) -> None:
    assert user.id is not None
    token = await issue_token(uow, user.id, purpose, now + policy.token_lifetime, now, email)
    hours = int(policy.token_lifetime.total_seconds() // 3600)
    template = "verify_email" if purpose == TokenPurpose.EMAIL_VERIFICATION else "email_change"
    await uow.mails.enqueue(
        Mail(
            to=recipient(user, email),
            template=template,
            context={"link": f"{policy.verify_url}?token={token}", "hours": hours},
        )
    )


def _works(token: AccountToken | None, now: datetime) -> bool:
    return (
        token is not None
        and token.purpose in (TokenPurpose.EMAIL_VERIFICATION, TokenPurpose.EMAIL_CHANGE)
        and token.email is not None
        and token.used_at is None
        and token.expires_at > now
    )

"""Registration, login, sessions and the tokens that carry them."""

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.core.config import get_settings
from app.core.errors import (
    AuthenticationError,
    ConflictError,
    EmailNotVerifiedError,
    NotFoundError,
)
from app.core.security import (
    InvalidTokenError,
    IssuedToken,
    PasswordHasher,
    Role,
    TokenClaims,
    TokenCodec,
    TokenType,
    fingerprint,
    normalise_email,
)
from app.models.auth_session import AuthSession
from app.models.user import User
from app.repositories.unit_of_work import UnitOfWork
from app.schemas.auth import TokenPair
from app.schemas.user import UserRegister
from app.services.email_verification import VerificationPolicy, mail_verification_link
from app.services.passwords import LoginPolicy, PasswordGuard
from app.utils.time import utcnow

# One message for every failed login, so it does not tell which emails exist.
BAD_CREDENTIALS = "Incorrect email or password."
BAD_TOKEN = "The token is invalid or has expired."
SESSION_NOT_FOUND = "Session not found."
NOT_VERIFIED = (
    "Confirm your email first: follow the link mailed to you, or ask for a new one with "
    "POST /api/v1/users/me/email-verification."
)
USER_AGENT_MAX_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a request: the user, and the session their access token belongs to."""

    user: User
    session_id: int


def _is_live(session: AuthSession, now: datetime) -> bool:
    return session.revoked_at is None and session.expires_at > now


class AuthService:
    """Signs users up and in, and manages their sessions and the tokens of those."""

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        codec: TokenCodec,
        policy: LoginPolicy,
        verification: VerificationPolicy | None = None,
    ) -> None:
        """Use `uow` for storage, `hasher` for passwords, `codec` for tokens, `policy` for
        logins, and `verification` (default: the settings') for new addresses."""
        self.uow = uow
        self.hasher = hasher
        self.codec = codec
        self.guard = PasswordGuard(uow, hasher, policy)
        self.verification = verification or VerificationPolicy.from_settings(get_settings())

    async def register(self, data: UserRegister) -> User:
        """Create an account with the `user` role; ConflictError if the email is taken.

        The unique key on the email decides between concurrent sign-ups: one wins. Unless
        verification is off, the address is mailed a link that confirms it.
        """
        hashed = await self.hasher.hash(data.password)
        async with self.uow:
            if await self.uow.users.get_by_email(data.email) is not None:
                raise ConflictError("a user with this email already exists")
            user = await self.uow.users.add(
                User(
                    email=data.email,
                    full_name=data.full_name,
                    hashed_password=hashed,
                    role=Role.USER,
                )
            )
            if self.verification.on:
                await mail_verification_link(self.uow, user, self.verification, utcnow())
            await self.uow.commit()
        return user

    async def login(self, email: str, password: str, user_agent: str = "") -> TokenPair:
        """Check the credentials and open a session; return its first token pair.

        TooManyAttemptsError while the email is locked out by failed attempts.
        """
        email = normalise_email(email)
        async with self.uow:
            found = await self.uow.users.get_by_email(email)
        # Hash outside any transaction: it is slow, and must not hold a connection.
        user = await self.guard.verify(email, password, found)
        if user is None:
            raise AuthenticationError(BAD_CREDENTIALS)
        assert user.id is not None
        now = utcnow()
        async with self.uow:
            session = await self.uow.auth_sessions.add(
                AuthSession(
                    user_id=user.id,
                    refresh_token_hash="",
                    user_agent=user_agent[:USER_AGENT_MAX_LENGTH],
                    last_used_at=now,
                    expires_at=now,
                )
            )
            assert session.id is not None
            pair, issued = self._issue_pair(user, session.id, now)
            session.refresh_token_hash = fingerprint(issued.token)
            session.expires_at = issued.claims.expires_at
            await self.uow.commit()
        return pair

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Trade the newest refresh token of a session for a new pair.

        The token sent stops working. A token the session already traded in is taken for
        a stolen copy: it ends the session, so the newest token stops working too.
        """
        claims = self._decode(refresh_token, "refresh")
        now = utcnow()
        async with self.uow:
            session = await self._live_session(claims, now)
            if not hmac.compare_digest(session.refresh_token_hash, fingerprint(refresh_token)):
                await self.uow.auth_sessions.revoke(claims.session_id, now)
                await self.uow.commit()
                raise AuthenticationError(BAD_TOKEN)
            user = await self.uow.users.get(claims.user_id)
            if user is None or not user.is_active or user.token_version != claims.token_version:
                raise AuthenticationError(BAD_TOKEN)
            pair, issued = self._issue_pair(user, claims.session_id, now)
            if not await self.uow.auth_sessions.rotate(
                claims.session_id,
                session.refresh_token_hash,
                fingerprint(issued.token),
                now,
                issued.claims.expires_at,
            ):
                raise AuthenticationError(BAD_TOKEN)  # a concurrent refresh won the race
            await self.uow.commit()
        return pair

    async def logout(self, refresh_token: str) -> None:
        """End the session a refresh token belongs to; its access tokens stop at once."""
        claims = self._decode(refresh_token, "refresh")
        now = utcnow()
        async with self.uow:
            await self._live_session(claims, now)
            await self.uow.auth_sessions.revoke(claims.session_id, now)
            await self.uow.commit()

    async def authenticate(self, access_token: str, *, unverified_ok: bool = False) -> Caller:
        """Return who an access token speaks for, if it still holds (one query).

        It holds while its user is active and has the token's version, and its session
        is the user's and neither revoked nor expired. With EMAIL_VERIFICATION=required, a
        user whose email is not verified gets EmailNotVerifiedError unless `unverified_ok`.
        """
        claims = self._decode(access_token, "access")
        async with self.uow.read():
            user = await self.uow.users.get_signed_in(
                claims.user_id, claims.session_id, claims.token_version, utcnow()
            )
        if user is None:
            raise AuthenticationError(BAD_TOKEN)
        if not unverified_ok and self.verification.blocks(user):
            raise EmailNotVerifiedError(NOT_VERIFIED)
        return Caller(user=user, session_id=claims.session_id)

    async def list_sessions(
        self, user: User, *, offset: int, limit: int
    ) -> tuple[Sequence[AuthSession], int]:
        """Return one page of the live sessions of `user`, oldest first, and their total."""
        assert user.id is not None
        async with self.uow.read():
            return await self.uow.auth_sessions.list_active(
                user.id, utcnow(), offset=offset, limit=limit
            )

    async def revoke_session(self, user: User, session_id: int) -> None:
        """End one live session of `user`; NotFoundError for any other session."""
        now = utcnow()
        async with self.uow:
            session = await self.uow.auth_sessions.get(session_id)
            if session is None or session.user_id != user.id or not _is_live(session, now):
                raise NotFoundError(SESSION_NOT_FOUND)
            await self.uow.auth_sessions.revoke(session_id, now)
            await self.uow.commit()

    def _decode(self, token: str, token_type: TokenType) -> TokenClaims:
        try:
            return self.codec.decode(token, token_type)
        except InvalidTokenError as exc:
            raise AuthenticationError(BAD_TOKEN) from exc

    async def _live_session(self, claims: TokenClaims, now: datetime) -> AuthSession:
        session = await self.uow.auth_sessions.get(claims.session_id)
        if session is None or session.user_id != claims.user_id or not _is_live(session, now):
            raise AuthenticationError(BAD_TOKEN)
        return session

    def _issue_pair(
        self, user: User, session_id: int, now: datetime
    ) -> tuple[TokenPair, IssuedToken]:
        """Issue an access and a refresh token of one session; return the refresh one too."""
        user_id, version = user.id, user.token_version
        assert user_id is not None
        access = self.codec.issue(
            "access", user_id=user_id, session_id=session_id, token_version=version, now=now
        )
        refresh = self.codec.issue(
            "refresh", user_id=user_id, session_id=session_id, token_version=version, now=now
        )
        pair = TokenPair(
            access_token=access.token,
            refresh_token=refresh.token,
            expires_in=int(self.codec.lifetime("access").total_seconds()),
        )
        return pair, refresh

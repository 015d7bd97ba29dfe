"""Registration, login, token refresh and logout."""

from app.core.errors import AuthenticationError, ConflictError
from app.core.security import (
    InvalidTokenError,
    PasswordHasher,
    Role,
    TokenCodec,
    fingerprint,
)
from app.models import RefreshToken, User
from app.repositories.interfaces import UnitOfWork
from app.schemas.auth import TokenPair
from app.schemas.user import UserRegister
from app.utils.time import utcnow

# One message for every failed login, so it does not tell which emails exist.
BAD_CREDENTIALS = "Incorrect email or password."
BAD_TOKEN = "The token is invalid or has expired."


class AuthService:
    """Signs users up and in, and manages the tokens they hold."""

    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, codec: TokenCodec) -> None:
        """Use `uow` for storage, `hasher` for passwords and `codec` for tokens."""
        self.uow = uow
        self.hasher = hasher
        self.codec = codec

    async def register(self, data: UserRegister) -> User:
        """Create an account with the `user` role; ConflictError if the email is taken."""
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
            await self.uow.commit()
        return user

    async def login(self, email: str, password: str) -> TokenPair:
        """Check the credentials and issue a token pair."""
        async with self.uow:
            user = await self.uow.users.get_by_email(email.strip().lower())
        # Hash outside the transaction: it is slow, and must not hold a connection.
        stored_hash = user.hashed_password if user is not None else None
        if not await self.hasher.verify(password, stored_hash):
            raise AuthenticationError(BAD_CREDENTIALS)
        if user is None or not user.is_active:
            raise AuthenticationError(BAD_CREDENTIALS)
        async with self.uow:
            pair = await self._issue_pair(user)
            await self.uow.commit()
        return pair

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Trade a refresh token for a new pair; the old one stops working."""
        async with self.uow:
            stored = await self._live_refresh_token(refresh_token)
            user = await self.uow.users.get(stored.user_id)
            if user is None or not user.is_active:
                raise AuthenticationError(BAD_TOKEN)
            assert stored.id is not None
            if not await self.uow.refresh_tokens.revoke(stored.id, utcnow()):
                raise AuthenticationError(BAD_TOKEN)  # a concurrent refresh won the race
            pair = await self._issue_pair(user)
            await self.uow.commit()
        return pair

    async def logout(self, refresh_token: str) -> None:
        """Revoke a refresh token; an unknown or spent token is an error."""
        async with self.uow:
            stored = await self._live_refresh_token(refresh_token)
            assert stored.id is not None
            await self.uow.refresh_tokens.revoke(stored.id, utcnow())
            await self.uow.commit()

    async def authenticate(self, access_token: str) -> User:
        """Return the active user an access token belongs to."""
        try:
            claims = self.codec.decode(access_token, "access")
            user_id = int(claims.subject)
        except (InvalidTokenError, ValueError) as exc:
            raise AuthenticationError(BAD_TOKEN) from exc
        async with self.uow:
            user = await self.uow.users.get(user_id)
        if user is None or not user.is_active:
            raise AuthenticationError(BAD_TOKEN)
        return user

    async def _live_refresh_token(self, refresh_token: str) -> RefreshToken:
        try:
            self.codec.decode(refresh_token, "refresh")
        except InvalidTokenError as exc:
            raise AuthenticationError(BAD_TOKEN) from exc
        stored = await self.uow.refresh_tokens.get_by_hash(fingerprint(refresh_token))
        if stored is None or stored.revoked_at is not None:
            raise AuthenticationError(BAD_TOKEN)
        return stored

    async def _issue_pair(self, user: User) -> TokenPair:
        assert user.id is not None
        access = self.codec.issue(str(user.id), "access")
        refresh = self.codec.issue(str(user.id), "refresh")
        await self.uow.refresh_tokens.add(
            RefreshToken(
                user_id=user.id,
                token_hash=fingerprint(refresh.token),
                expires_at=refresh.claims.expires_at,
            )
        )
        return TokenPair(
            access_token=access.token,
            refresh_token=refresh.token,
            expires_in=int(self.codec.lifetime("access").total_seconds()),
        )

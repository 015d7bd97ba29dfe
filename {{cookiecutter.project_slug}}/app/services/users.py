"""Managing users: one's own account, and every account for admins."""

from app.core.config import get_settings
from app.core.errors import (
    BusinessRuleError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
)
from app.core.security import PasswordHasher, Role, normalise_email
from app.models.user import User
from app.repositories.unit_of_work import UnitOfWork
from app.schemas.common import Page
from app.schemas.user import UserChanges, UserCreate, UserRead, UserUpdate, UserUpdateMe
from app.services.email_verification import (
    VerificationPolicy,
    mail_email_change,
    mail_email_change_notice,
    mail_verification_link,
)
from app.services.passwords import LoginPolicy, PasswordGuard
from app.utils.time import utcnow

USER_NOT_FOUND = "User not found."
CURRENT_PASSWORD_REQUIRED = "Send current_password to change your email or password."
WRONG_CURRENT_PASSWORD = "The current password is incorrect."


class UserService:
    """The use cases around user accounts."""

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        policy: LoginPolicy | None = None,
        verification: VerificationPolicy | None = None,
    ) -> None:
        """Use `uow`, `hasher`, `policy` for current passwords and `verification` for new
        addresses (each by default the settings')."""
        self.uow = uow
        self.hasher = hasher
        self.guard = PasswordGuard(uow, hasher, policy or LoginPolicy.from_settings(get_settings()))
        self.verification = verification or VerificationPolicy.from_settings(get_settings())

    async def list_users(self, *, offset: int, limit: int) -> Page[UserRead]:
        """Return one page of users, with the total."""
        async with self.uow.read():
            return await self.uow.users.read_page(offset=offset, limit=limit)

    async def get_user(self, user_id: int) -> User:
        """Return one user; NotFoundError if there is none."""
        async with self.uow.read():
            return await self._get(user_id)

    async def create_user(self, data: UserCreate) -> User:
        """Create a user with any role; ConflictError if the email is taken.

        Unless the admin marks the email verified, or verification is off, the address is
        mailed a link that confirms it.
        """
        hashed = await self.hasher.hash(data.password)
        async with self.uow:
            await self._ensure_email_free(data.email)
            user = await self.uow.users.add(
                User(
                    email=data.email,
                    full_name=data.full_name,
                    hashed_password=hashed,
                    role=data.role,
                    is_active=data.is_active,
                    email_verified=data.email_verified,
                )
            )
            if self.verification.on and not user.email_verified:
                await mail_verification_link(self.uow, user, self.verification, utcnow())
            await self.uow.commit()
        return user

    async def update_me(self, current: User, data: UserUpdateMe) -> User:
        """Change one's own name, email or password.

        A new email or password needs the current password: BusinessRuleError without it,
        PermissionDeniedError when it is wrong. Wrong ones count against the login
        throttle of the account, as failed logins do. Unless verification is off, a new
        email takes effect only once the link mailed to it is followed; the old address is
        told either way.
        """
        assert current.id is not None
        if data.password is not None or data.email not in (None, current.email):
            if data.current_password is None:
                raise BusinessRuleError(CURRENT_PASSWORD_REQUIRED)
            if await self.guard.verify(current.email, data.current_password, current) is None:
                raise PermissionDeniedError(WRONG_CURRENT_PASSWORD)
        return await self._update(current.id, data, confirm_email=self.verification.on)

    async def update_user(self, user_id: int, data: UserUpdate) -> User:
        """Change any field of a user; the last active admin stays an active admin.

        A new password or a deactivation ends the user's sessions at once. A new email takes
        effect at once, unverified unless `email_verified` is sent too.
        """
        return await self._update(user_id, data, confirm_email=False)

    async def delete_user(self, user_id: int) -> None:
        """Delete a user and what they own; the last active admin cannot be deleted."""
        async with self.uow:
            user = await self._get(user_id)
            if await self._is_last_active_admin(user):
                raise BusinessRuleError("the last active admin cannot be deleted")
            await self.uow.users.delete(user)
            await self.uow.commit()

    async def ensure_admin(self, email: str, password: str) -> tuple[User, bool]:
        """Create an admin with these credentials unless the email exists; say if created."""
        email = normalise_email(email)
        async with self.uow:
            existing = await self.uow.users.get_by_email(email)
        if existing is not None:
            return existing, False
        return (
            await self.create_user(
                # The operator chose this address: it needs no link to prove it.
                UserCreate(email=email, password=password, role=Role.ADMIN, email_verified=True)
            ),
            True,
        )

    async def _update(self, user_id: int, data: UserChanges, *, confirm_email: bool) -> User:
        changes = data.model_dump(
            exclude_unset=True, exclude_none=True, exclude={"current_password"}
        )
        password = changes.pop("password", None)
        hashed = await self.hasher.hash(password) if password is not None else None
        async with self.uow:
            user = await self._get(user_id)
            new_email = changes.pop("email", user.email)
            moved = new_email != user.email and not confirm_email
            if new_email != user.email:
                await self._ensure_email_free(new_email)
                await self._change_email(user, new_email, confirm=confirm_email)
            if await self._is_last_active_admin(user) and (
                changes.get("role", Role.ADMIN) != Role.ADMIN
                or changes.get("is_active", True) is not True
            ):
                raise BusinessRuleError("the last active admin must stay an active admin")
            deactivated = user.is_active and changes.get("is_active", True) is not True
            for field, value in changes.items():
                setattr(user, field, value)
            if moved and self.verification.on and not user.email_verified:
                await mail_verification_link(self.uow, user, self.verification, utcnow())
            if hashed is not None:
                user.hashed_password = hashed
            if hashed is not None or deactivated:
                # Every session ends, and a new token version voids every token already
                # issued: each request checks it, so they stop working at once.
                user.token_version += 1
                await self.uow.auth_sessions.revoke_all_for_user(user_id, utcnow())
            user.updated_at = utcnow()
            await self.uow.commit()
        return user

    async def _change_email(self, user: User, new_email: str, *, confirm: bool) -> None:
        """Mail `new_email` a link that moves `user` to it, or move them now, unverified."""
        if confirm:
            await mail_email_change(self.uow, user, new_email, self.verification, utcnow())
            return
        await mail_email_change_notice(self.uow, user, new_email, pending=False)
        user.email = new_email
        user.email_verified = False

    async def _get(self, user_id: int) -> User:
        user = await self.uow.users.get(user_id)
        if user is None:
            raise NotFoundError(USER_NOT_FOUND)
        return user

    async def _ensure_email_free(self, email: str) -> None:
        if await self.uow.users.get_by_email(email) is not None:
            raise ConflictError("a user with this email already exists")

    async def _is_last_active_admin(self, user: User) -> bool:
        if user.role != Role.ADMIN or not user.is_active:
            return False
        return await self.uow.users.count_active_admins() <= 1

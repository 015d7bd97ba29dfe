"""UserService: one's own account, admin management and the last-admin rule."""

from datetime import UTC, datetime

import pytest

from app.core.errors import (
    AuthenticationError,
    BusinessRuleError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    TooManyAttemptsError,
)
from app.core.security import PasswordHasher, Role
from app.models.user import User
from app.schemas.user import UserUpdate, UserUpdateMe
from app.services.auth import AuthService
from app.services.passwords import LoginPolicy
from app.services.users import (
    CURRENT_PASSWORD_REQUIRED,
    WRONG_CURRENT_PASSWORD,
    UserService,
)
from tests.fixtures.factories import PASSWORD, MakeUser, user_create, verification_policy
from tests.fixtures.fakes import FakeUnitOfWork

NEW_PASSWORD = "another-horse-43"
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def _stored(fake_uow: FakeUnitOfWork, user: User) -> User:
    assert user.id is not None
    return fake_uow.users.rows[user.id]


# ---------------------------------------------------------------- reading


async def test_list_users_returns_one_page_oldest_first_and_the_total(
    user_service: UserService, make_user: MakeUser
) -> None:
    created = [await make_user() for _ in range(3)]

    page = await user_service.list_users(offset=1, limit=1)

    assert page.total == 3
    assert [u.id for u in page.items] == [created[1].id]


async def test_get_user_returns_the_user(user_service: UserService, user: User) -> None:
    assert user.id is not None

    assert await user_service.get_user(user.id) is user


async def test_get_user_that_does_not_exist_raises_not_found(user_service: UserService) -> None:
    with pytest.raises(NotFoundError):
        await user_service.get_user(424242)


# ---------------------------------------------------------------- create


async def test_create_user_stores_the_role_and_active_flag_given_and_commits(
    user_service: UserService, fake_uow: FakeUnitOfWork
) -> None:
    created = await user_service.create_user(user_create(role=Role.ADMIN, is_active=False))

    stored = _stored(fake_uow, created)
    assert stored.role == Role.ADMIN
    assert stored.is_active is False
    assert fake_uow.committed


async def test_create_user_stores_a_password_hash_that_verifies(
    user_service: UserService, fake_uow: FakeUnitOfWork, hasher: PasswordHasher
) -> None:
    created = await user_service.create_user(user_create(password=PASSWORD))

    assert await hasher.verify(PASSWORD, _stored(fake_uow, created).hashed_password)


async def test_create_user_with_a_taken_email_raises_conflict_and_stores_nothing(
    user_service: UserService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    fake_uow.committed = False

    with pytest.raises(ConflictError):
        await user_service.create_user(user_create(email=user.email))

    assert list(fake_uow.users.rows.values()) == [user]
    assert fake_uow.committed is False


# ---------------------------------------------------------------- update_me


async def test_update_me_changes_only_the_fields_sent_and_commits(
    user_service: UserService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    email, hashed_password = user.email, user.hashed_password
    fake_uow.committed = False

    await user_service.update_me(user, UserUpdateMe(full_name="Grace Hopper"))

    stored = _stored(fake_uow, user)
    assert stored.full_name == "Grace Hopper"
    assert (stored.email, stored.hashed_password) == (email, hashed_password)
    assert fake_uow.committed


async def test_update_me_ignores_fields_sent_as_null(
    user_service: UserService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    full_name, email = user.full_name, user.email

    await user_service.update_me(user, UserUpdateMe(full_name=None, email=None))

    stored = _stored(fake_uow, user)
    assert (stored.full_name, stored.email) == (full_name, email)


async def test_update_me_to_a_free_email_mails_a_link_there_and_changes_nothing_yet(
    user_service: UserService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    data = UserUpdateMe(email="fresh@example.com", current_password=PASSWORD)

    await user_service.update_me(user, data)

    assert _stored(fake_uow, user).email == user.email
    confirmation, notice = fake_uow.mails.enqueued
    assert (confirmation.template, confirmation.to.email) == ("email_change", "fresh@example.com")
    assert (notice.template, notice.to.email) == ("email_change_notice", user.email)
    assert notice.context == {"new_email": "fresh@example.com", "pending": True}


async def test_update_me_to_a_free_email_with_verification_off_changes_it_unverified(
    fake_uow: FakeUnitOfWork, hasher: PasswordHasher, policy: LoginPolicy, user: User
) -> None:
    user_service = UserService(fake_uow, hasher, policy, verification_policy(mode="off"))
    _stored(fake_uow, user).email_verified = True
    old_email = user.email

    await user_service.update_me(
        user, UserUpdateMe(email="fresh@example.com", current_password=PASSWORD)
    )

    stored = _stored(fake_uow, user)
    assert (stored.email, stored.email_verified) == ("fresh@example.com", False)
    (notice,) = fake_uow.mails.enqueued
    assert (notice.template, notice.to.email) == ("email_change_notice", old_email)


async def test_an_admin_moves_a_user_to_a_new_email_at_once_and_it_is_mailed_a_link(
    user_service: UserService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    _stored(fake_uow, user).email_verified = True
    assert user.id is not None
    old_email = user.email

    await user_service.update_user(user.id, UserUpdate(email="moved@example.com"))

    stored = _stored(fake_uow, user)
    assert (stored.email, stored.email_verified) == ("moved@example.com", False)
    assert [(mail.template, mail.to.email) for mail in fake_uow.mails.enqueued] == [
        ("email_change_notice", old_email),
        ("verify_email", "moved@example.com"),
    ]


async def test_an_admin_who_vouches_for_a_new_email_mails_no_link(
    user_service: UserService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    assert user.id is not None

    await user_service.update_user(
        user.id, UserUpdate(email="moved@example.com", email_verified=True)
    )

    assert _stored(fake_uow, user).email_verified is True
    assert [mail.template for mail in fake_uow.mails.enqueued] == ["email_change_notice"]


async def test_an_admin_created_user_is_mailed_a_link_unless_vouched_for(
    user_service: UserService, fake_uow: FakeUnitOfWork
) -> None:
    mailed = await user_service.create_user(user_create())
    vouched = await user_service.create_user(user_create(email_verified=True))

    assert (mailed.email_verified, vouched.email_verified) == (False, True)
    assert [mail.to.email for mail in fake_uow.mails.enqueued] == [mailed.email]


async def test_update_me_to_ones_own_email_needs_no_current_password(
    user_service: UserService, user: User
) -> None:
    email = user.email

    updated = await user_service.update_me(user, UserUpdateMe(email=email))

    assert updated.email == email


async def test_update_me_to_another_users_email_raises_conflict_and_changes_nothing(
    user_service: UserService, fake_uow: FakeUnitOfWork, user: User, other_user: User
) -> None:
    before = user.model_dump()
    fake_uow.committed = False

    with pytest.raises(ConflictError):
        await user_service.update_me(
            user, UserUpdateMe(email=other_user.email, current_password=PASSWORD)
        )

    assert _stored(fake_uow, user).model_dump() == before
    assert fake_uow.committed is False


async def test_update_me_with_a_new_password_stores_its_hash(
    user_service: UserService, fake_uow: FakeUnitOfWork, hasher: PasswordHasher, user: User
) -> None:
    await user_service.update_me(
        user, UserUpdateMe(password=NEW_PASSWORD, current_password=PASSWORD)
    )

    assert await hasher.verify(NEW_PASSWORD, _stored(fake_uow, user).hashed_password)


@pytest.mark.parametrize(
    "change",
    [{"password": NEW_PASSWORD}, {"email": "fresh@example.com"}],
    ids=["password", "email"],
)
async def test_a_new_email_or_password_without_the_current_password_is_refused(
    user_service: UserService, fake_uow: FakeUnitOfWork, user: User, change: dict[str, str]
) -> None:
    before = user.model_dump()
    fake_uow.committed = False

    with pytest.raises(BusinessRuleError) as caught:
        await user_service.update_me(user, UserUpdateMe.model_validate(change))

    assert caught.value.detail == CURRENT_PASSWORD_REQUIRED
    assert _stored(fake_uow, user).model_dump() == before
    assert fake_uow.committed is False


@pytest.mark.parametrize(
    "change",
    [{"password": NEW_PASSWORD}, {"email": "fresh@example.com"}],
    ids=["password", "email"],
)
async def test_a_new_email_or_password_with_a_wrong_current_password_is_refused(
    user_service: UserService, fake_uow: FakeUnitOfWork, user: User, change: dict[str, str]
) -> None:
    data = UserUpdateMe.model_validate(change | {"current_password": "wrong-password-1"})
    before = user.model_dump()

    with pytest.raises(PermissionDeniedError) as caught:
        await user_service.update_me(user, data)

    assert caught.value.detail == WRONG_CURRENT_PASSWORD
    assert _stored(fake_uow, user).model_dump() == before


async def test_wrong_current_passwords_count_against_the_login_throttle(
    user_service: UserService, policy: LoginPolicy, user: User
) -> None:
    data = UserUpdateMe(password=NEW_PASSWORD, current_password="wrong-password-1")
    for _ in range(policy.max_failures):
        with pytest.raises(PermissionDeniedError):
            await user_service.update_me(user, data)

    with pytest.raises(TooManyAttemptsError):
        await user_service.update_me(user, data.model_copy(update={"current_password": PASSWORD}))


async def test_a_new_password_ends_every_session_of_the_user(
    user_service: UserService, auth_service: AuthService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    pairs = [await auth_service.login(user.email, PASSWORD) for _ in range(2)]

    await user_service.update_me(
        user, UserUpdateMe(password=NEW_PASSWORD, current_password=PASSWORD)
    )

    sessions = fake_uow.auth_sessions.rows.values()
    assert len(sessions) == 2
    assert all(session.revoked_at is not None for session in sessions)
    for pair in pairs:
        with pytest.raises(AuthenticationError):
            await auth_service.authenticate(pair.access_token)


async def test_a_new_password_moves_the_token_version_on(
    user_service: UserService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    version = user.token_version

    await user_service.update_me(
        user, UserUpdateMe(password=NEW_PASSWORD, current_password=PASSWORD)
    )

    assert _stored(fake_uow, user).token_version == version + 1


async def test_a_new_password_leaves_other_users_sessions_alone(
    user_service: UserService,
    auth_service: AuthService,
    fake_uow: FakeUnitOfWork,
    user: User,
    other_user: User,
) -> None:
    pair = await auth_service.login(other_user.email, PASSWORD)

    await user_service.update_me(
        user, UserUpdateMe(password=NEW_PASSWORD, current_password=PASSWORD)
    )

    (session,) = fake_uow.auth_sessions.rows.values()
    assert session.revoked_at is None
    assert (await auth_service.authenticate(pair.access_token)).user.id == other_user.id


async def test_an_update_without_a_password_keeps_sessions_alive(
    user_service: UserService, auth_service: AuthService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    pair = await auth_service.login(user.email, PASSWORD)

    await user_service.update_me(user, UserUpdateMe(full_name="Renamed"))

    (session,) = fake_uow.auth_sessions.rows.values()
    assert session.revoked_at is None
    assert (await auth_service.authenticate(pair.access_token)).user.full_name == "Renamed"


async def test_update_me_moves_updated_at_forward(
    user_service: UserService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    _stored(fake_uow, user).updated_at = LONG_AGO

    updated = await user_service.update_me(user, UserUpdateMe(full_name="Later"))

    assert updated.updated_at > LONG_AGO


# ---------------------------------------------------------------- update_user


async def test_update_user_can_make_a_user_an_admin_and_commits(
    user_service: UserService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    assert user.id is not None
    fake_uow.committed = False

    await user_service.update_user(user.id, UserUpdate(role=Role.ADMIN))

    assert _stored(fake_uow, user).role == Role.ADMIN
    assert fake_uow.committed


async def test_update_user_can_deactivate_a_user(
    user_service: UserService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    assert user.id is not None

    await user_service.update_user(user.id, UserUpdate(is_active=False))

    assert _stored(fake_uow, user).is_active is False


async def test_deactivating_a_user_ends_their_sessions_and_voids_their_tokens(
    user_service: UserService, auth_service: AuthService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    assert user.id is not None
    pair = await auth_service.login(user.email, PASSWORD)
    version = user.token_version

    await user_service.update_user(user.id, UserUpdate(is_active=False))

    (session,) = fake_uow.auth_sessions.rows.values()
    assert session.revoked_at is not None
    assert _stored(fake_uow, user).token_version == version + 1
    with pytest.raises(AuthenticationError):
        await auth_service.authenticate(pair.access_token)


async def test_an_admin_setting_a_new_password_ends_the_users_sessions(
    user_service: UserService, auth_service: AuthService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    assert user.id is not None
    await auth_service.login(user.email, PASSWORD)

    await user_service.update_user(user.id, UserUpdate(password=NEW_PASSWORD))

    (session,) = fake_uow.auth_sessions.rows.values()
    assert session.revoked_at is not None


@pytest.mark.parametrize(
    "change",
    [UserUpdate(role=Role.ADMIN), UserUpdate(is_active=True), UserUpdate(full_name="Renamed")],
    ids=["role", "still-active", "name"],
)
async def test_other_changes_by_an_admin_keep_the_sessions_alive(
    user_service: UserService,
    auth_service: AuthService,
    fake_uow: FakeUnitOfWork,
    user: User,
    change: UserUpdate,
) -> None:
    assert user.id is not None
    pair = await auth_service.login(user.email, PASSWORD)
    version = user.token_version

    await user_service.update_user(user.id, change)

    assert _stored(fake_uow, user).token_version == version
    assert (await auth_service.authenticate(pair.access_token)).user.id == user.id


async def test_update_user_that_does_not_exist_raises_not_found(
    user_service: UserService,
) -> None:
    with pytest.raises(NotFoundError):
        await user_service.update_user(424242, UserUpdate(full_name="Nobody"))


async def test_the_last_active_admin_cannot_be_demoted(
    user_service: UserService, fake_uow: FakeUnitOfWork, admin: User
) -> None:
    assert admin.id is not None
    fake_uow.committed = False

    with pytest.raises(BusinessRuleError):
        await user_service.update_user(admin.id, UserUpdate(role=Role.USER))

    assert _stored(fake_uow, admin).role == Role.ADMIN
    assert fake_uow.committed is False


async def test_the_last_active_admin_cannot_be_deactivated(
    user_service: UserService, fake_uow: FakeUnitOfWork, admin: User
) -> None:
    assert admin.id is not None
    fake_uow.committed = False

    with pytest.raises(BusinessRuleError):
        await user_service.update_user(admin.id, UserUpdate(is_active=False))

    assert _stored(fake_uow, admin).is_active is True
    assert fake_uow.committed is False


async def test_the_last_active_admin_may_still_change_other_fields(
    user_service: UserService, fake_uow: FakeUnitOfWork, admin: User
) -> None:
    assert admin.id is not None

    await user_service.update_user(
        admin.id, UserUpdate(full_name="Still Admin", role=Role.ADMIN, is_active=True)
    )

    assert _stored(fake_uow, admin).full_name == "Still Admin"


async def test_an_admin_can_be_demoted_while_another_active_admin_remains(
    user_service: UserService, fake_uow: FakeUnitOfWork, admin: User, make_user: MakeUser
) -> None:
    await make_user(role=Role.ADMIN)
    assert admin.id is not None

    await user_service.update_user(admin.id, UserUpdate(role=Role.USER))

    assert _stored(fake_uow, admin).role == Role.USER


async def test_an_inactive_admin_does_not_count_as_the_remaining_admin(
    user_service: UserService, admin: User, make_user: MakeUser
) -> None:
    await make_user(role=Role.ADMIN, is_active=False)
    assert admin.id is not None

    with pytest.raises(BusinessRuleError):
        await user_service.update_user(admin.id, UserUpdate(role=Role.USER))


# ---------------------------------------------------------------- delete


async def test_delete_user_removes_the_user_and_commits(
    user_service: UserService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    assert user.id is not None
    fake_uow.committed = False

    await user_service.delete_user(user.id)

    assert user.id not in fake_uow.users.rows
    assert fake_uow.committed


async def test_delete_user_that_does_not_exist_raises_not_found(
    user_service: UserService,
) -> None:
    with pytest.raises(NotFoundError):
        await user_service.delete_user(424242)


async def test_the_last_active_admin_cannot_be_deleted(
    user_service: UserService, fake_uow: FakeUnitOfWork, admin: User
) -> None:
    assert admin.id is not None
    fake_uow.committed = False

    with pytest.raises(BusinessRuleError):
        await user_service.delete_user(admin.id)

    assert admin.id in fake_uow.users.rows
    assert fake_uow.committed is False


async def test_an_inactive_admin_can_be_deleted_while_an_active_one_remains(
    user_service: UserService, fake_uow: FakeUnitOfWork, admin: User, make_user: MakeUser
) -> None:
    inactive_admin = await make_user(role=Role.ADMIN, is_active=False)
    assert inactive_admin.id is not None

    await user_service.delete_user(inactive_admin.id)

    assert inactive_admin.id not in fake_uow.users.rows


# ---------------------------------------------------------------- ensure_admin


async def test_ensure_admin_creates_an_active_admin_when_the_email_is_free(
    user_service: UserService, fake_uow: FakeUnitOfWork
) -> None:
    admin, created = await user_service.ensure_admin("boss@example.com", PASSWORD)

    assert created is True
    stored = _stored(fake_uow, admin)
    assert (stored.email, stored.role, stored.is_active) == ("boss@example.com", Role.ADMIN, True)
    # The operator chose the address: it is verified, and no link is mailed.
    assert stored.email_verified is True
    assert fake_uow.mails.enqueued == []


async def test_ensure_admin_normalises_the_email(user_service: UserService) -> None:
    admin, _ = await user_service.ensure_admin("  Boss@Example.COM ", PASSWORD)

    assert admin.email == "boss@example.com"


async def test_ensure_admin_is_idempotent(
    user_service: UserService, fake_uow: FakeUnitOfWork
) -> None:
    first, _ = await user_service.ensure_admin("boss@example.com", PASSWORD)

    again, created = await user_service.ensure_admin("boss@example.com", "other-pass-99")

    assert created is False
    assert again.id == first.id
    assert len(fake_uow.users.rows) == 1


async def test_ensure_admin_leaves_an_existing_user_unchanged(
    user_service: UserService, fake_uow: FakeUnitOfWork, user: User
) -> None:
    before = user.model_dump()
    fake_uow.committed = False

    kept, created = await user_service.ensure_admin(user.email, "other-pass-99")

    assert created is False
    assert _stored(fake_uow, kept).model_dump() == before
    assert fake_uow.committed is False

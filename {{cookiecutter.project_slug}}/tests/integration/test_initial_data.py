"""`python -m app.initial_data`: the first admin, created once."""

import runpy
from collections.abc import Callable

import anyio
import pytest
from pydantic import SecretStr

from app import initial_data
from app.core.config import Settings
from app.core.security import PasswordHasher, Role
from app.initial_data import create_first_admin, main
from app.models.user import User
from app.repositories.sql.database import get_engine
from app.repositories.sql.unit_of_work import SqlUnitOfWork
from tests.fixtures.db import count


async def _stored_admin(uow: SqlUnitOfWork, settings: Settings) -> User | None:
    async with uow:
        return await uow.users.get_by_email(settings.FIRST_ADMIN_EMAIL)


def _in_a_thread(entry_point: Callable[[], object]) -> Callable[[], SystemExit | None]:
    # The entry point runs its own event loop, as `python -m` does, so it needs a thread
    # of its own: the tests' loop is already running in this one.
    def run() -> SystemExit | None:
        try:
            entry_point()
        except SystemExit as exit_:
            return exit_
        return None

    return run


def _python_m_app_initial_data() -> None:
    runpy.run_path(initial_data.__file__, run_name="__main__")


async def test_create_first_admin_creates_an_active_admin(
    uow: SqlUnitOfWork, settings: Settings
) -> None:
    message = await create_first_admin()

    assert message == f"Created admin {settings.FIRST_ADMIN_EMAIL}"
    admin = await _stored_admin(uow, settings)
    assert admin is not None
    assert (admin.role, admin.is_active) == (Role.ADMIN, True)


async def test_the_first_admin_logs_in_with_the_configured_password(
    uow: SqlUnitOfWork, settings: Settings, hasher: PasswordHasher
) -> None:
    await create_first_admin()

    admin = await _stored_admin(uow, settings)

    assert admin is not None
    password = settings.FIRST_ADMIN_PASSWORD.get_secret_value()
    assert await hasher.verify(password, admin.hashed_password)


async def test_create_first_admin_a_second_time_keeps_the_existing_admin(
    settings: Settings,
) -> None:
    await create_first_admin()

    message = await create_first_admin()

    assert message == f"Kept existing admin {settings.FIRST_ADMIN_EMAIL}"
    assert await count(User) == 1


async def test_the_database_is_usable_after_create_first_admin_released_it(
    uow: SqlUnitOfWork,
) -> None:
    await create_first_admin()

    assert await uow.ping() is True


async def test_python_m_app_initial_data_prints_what_it_did(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await get_engine().dispose()  # it runs on another event loop: share no connection

    assert await anyio.to_thread.run_sync(_in_a_thread(_python_m_app_initial_data)) is None

    assert capsys.readouterr().out == f"Created admin {settings.FIRST_ADMIN_EMAIL}\n"


async def test_main_exits_with_a_message_when_the_admin_password_breaks_the_policy(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "FIRST_ADMIN_PASSWORD", SecretStr("short"))
    await get_engine().dispose()

    exit_ = await anyio.to_thread.run_sync(_in_a_thread(main))

    assert exit_ is not None
    assert "FIRST_ADMIN_PASSWORD rejected" in str(exit_.code)
    assert "password" in str(exit_.code)
    assert await count(User) == 0

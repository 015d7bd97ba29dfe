"""SqlUnitOfWork and the engine on the test database."""

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.core.config import Settings
from app.core.errors import ConflictError
from app.models import User
from app.repositories.sql.database import create_engine
from app.repositories.sql.unit_of_work import SqlUnitOfWork
from tests.fixtures.db import count, fetch
from tests.fixtures.factories import build_user


async def test_commit_makes_the_changes_permanent(uow: SqlUnitOfWork) -> None:
    async with uow:
        user = await uow.users.add(build_user())
        await uow.commit()

    assert await fetch(User, user.id) is not None


async def test_leaving_the_block_without_commit_rolls_back(uow: SqlUnitOfWork) -> None:
    async with uow:
        await uow.users.add(build_user())

    assert await count(User) == 0


async def test_an_error_inside_the_block_rolls_back_and_propagates(uow: SqlUnitOfWork) -> None:
    with pytest.raises(ZeroDivisionError):
        async with uow:
            await uow.users.add(build_user())
            1 / 0  # noqa: B018

    assert await count(User) == 0


async def test_changes_after_the_last_commit_are_rolled_back(uow: SqlUnitOfWork) -> None:
    async with uow:
        user = await uow.users.add(build_user(full_name="Committed"))
        await uow.commit()
        user.full_name = "Not committed"

    stored = await fetch(User, user.id)
    assert stored is not None
    assert stored.full_name == "Committed"


async def test_objects_stay_readable_after_the_block(uow: SqlUnitOfWork) -> None:
    async with uow:
        user = await uow.users.add(build_user(email="kept@example.com"))
        await uow.commit()

    assert user.email == "kept@example.com"
    assert user.id is not None


async def test_the_unit_of_work_can_run_one_block_after_another(uow: SqlUnitOfWork) -> None:
    async with uow:
        user = await uow.users.add(build_user())
        await uow.commit()
    assert user.id is not None

    async with uow:
        assert await uow.users.get(user.id) is not None


async def test_a_commit_that_breaks_a_unique_key_raises_conflict(uow: SqlUnitOfWork) -> None:
    async with uow:
        await uow.users.add(build_user(email="taken@example.com"))
        user = await uow.users.add(build_user())
        await uow.commit()
    async with uow:
        stored = await uow.users.get(user.id or 0)
        assert stored is not None
        stored.email = "taken@example.com"

        with pytest.raises(ConflictError):
            await uow.commit()


async def test_the_session_is_not_available_outside_the_block(uow: SqlUnitOfWork) -> None:
    with pytest.raises(RuntimeError):
        _ = uow.session


async def test_ping_answers_true_when_the_database_answers(uow: SqlUnitOfWork) -> None:
    assert await uow.ping() is True


async def test_ping_answers_false_when_the_database_cannot_be_reached(
    unreachable_database_url: str,
) -> None:
    engine = create_engine(Settings(_env_file=None, DATABASE_URL=unreachable_database_url))
    try:
        uow = SqlUnitOfWork(async_sessionmaker(engine))

        assert await uow.ping() is False
    finally:
        await engine.dispose()


async def test_leaving_a_unit_of_work_that_was_never_entered_does_nothing(
    uow: SqlUnitOfWork,
) -> None:
    await uow.__aexit__(None, None, None)

    with pytest.raises(RuntimeError):
        _ = uow.session

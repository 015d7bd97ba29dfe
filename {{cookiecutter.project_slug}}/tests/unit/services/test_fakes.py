"""The fakes behave like the SQL unit of work, or the service tests would prove nothing."""

import pytest

from app.core.errors import ConflictError
from tests.fixtures.factories import build_item, build_user
from tests.fixtures.fakes import FakeDatabase, FakeUnitOfWork


async def test_committed_changes_are_seen_by_the_next_transaction(
    fake_uow: FakeUnitOfWork,
) -> None:
    async with fake_uow:
        user = await fake_uow.users.add(build_user())
        await fake_uow.commit()
    assert user.id is not None

    async with fake_uow:
        assert await fake_uow.users.get(user.id) is not None


async def test_changes_not_committed_are_dropped_at_the_end_of_the_block(
    fake_uow: FakeUnitOfWork, fake_db: FakeDatabase
) -> None:
    async with fake_uow:
        await fake_uow.users.add(build_user())

    assert not fake_db.committed.users


async def test_changing_a_loaded_row_without_commit_leaves_the_database_alone(
    fake_uow: FakeUnitOfWork, fake_db: FakeDatabase
) -> None:
    async with fake_uow:
        user = await fake_uow.users.add(build_user(full_name="Before"))
        await fake_uow.commit()
        user.full_name = "After"
    assert user.id is not None

    assert fake_db.committed.users[user.id].full_name == "Before"


async def test_repositories_cannot_be_used_outside_the_block(fake_uow: FakeUnitOfWork) -> None:
    with pytest.raises(RuntimeError):
        await fake_uow.users.get(1)


async def test_a_unit_of_work_cannot_be_entered_twice_at_once(fake_uow: FakeUnitOfWork) -> None:
    async with fake_uow:
        with pytest.raises(RuntimeError):
            await fake_uow.__aenter__()


async def test_a_duplicate_email_is_a_conflict(fake_uow: FakeUnitOfWork) -> None:
    async with fake_uow:
        await fake_uow.users.add(build_user(email="same@example.com"))
        with pytest.raises(ConflictError):
            await fake_uow.users.add(build_user(email="same@example.com"))


async def test_a_commit_that_would_duplicate_an_email_is_a_conflict(
    fake_db: FakeDatabase,
) -> None:
    first, second = FakeUnitOfWork(fake_db), FakeUnitOfWork(fake_db)
    async with first, second:
        await first.users.add(build_user(email="same@example.com"))
        await second.users.add(build_user(email="same@example.com"))
        await first.commit()
        with pytest.raises(ConflictError):
            await second.commit()


async def test_an_item_of_a_missing_owner_cannot_be_committed(fake_uow: FakeUnitOfWork) -> None:
    async with fake_uow:
        await fake_uow.items.add(build_item(owner_id=424242))
        with pytest.raises(ConflictError):
            await fake_uow.commit()


async def test_deleting_a_user_deletes_their_items(
    fake_uow: FakeUnitOfWork, fake_db: FakeDatabase
) -> None:
    async with fake_uow:
        user = await fake_uow.users.add(build_user())
        assert user.id is not None
        await fake_uow.items.add(build_item(owner_id=user.id))
        await fake_uow.commit()
    async with fake_uow:
        await fake_uow.users.delete(user)
        await fake_uow.commit()

    assert not fake_db.committed.items

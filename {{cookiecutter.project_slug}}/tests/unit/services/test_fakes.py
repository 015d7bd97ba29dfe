"""The fakes behave like the SQL unit of work, or the service tests would prove nothing."""

import pytest

{% if cookiecutter.auth == "jwt" -%}
from app.core.errors import ConflictError
{% if cookiecutter.include_example_resource == "yes" -%}
from tests.fixtures.factories import build_item, build_user
{% else -%}
from tests.fixtures.factories import build_user
{% endif -%}
{% elif cookiecutter.include_example_resource == "yes" -%}
from tests.fixtures.factories import build_item
{% endif -%}
from tests.fixtures.fakes import FakeDatabase, FakeUnitOfWork
{%- if cookiecutter.auth == "jwt" %}


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
{%- elif cookiecutter.include_example_resource == "yes" %}


async def test_committed_changes_are_seen_by_the_next_transaction(
    fake_uow: FakeUnitOfWork,
) -> None:
    async with fake_uow:
        item = await fake_uow.items.add(build_item())
        await fake_uow.commit()
    assert item.id is not None

    async with fake_uow:
        assert await fake_uow.items.get(item.id) is not None


async def test_changes_not_committed_are_dropped_at_the_end_of_the_block(
    fake_uow: FakeUnitOfWork, fake_db: FakeDatabase
) -> None:
    async with fake_uow:
        await fake_uow.items.add(build_item())

    assert not fake_db.committed.items


async def test_changing_a_loaded_row_without_commit_leaves_the_database_alone(
    fake_uow: FakeUnitOfWork, fake_db: FakeDatabase
) -> None:
    async with fake_uow:
        item = await fake_uow.items.add(build_item(title="Before"))
        await fake_uow.commit()
        item.title = "After"
    assert item.id is not None

    assert fake_db.committed.items[item.id].title == "Before"


async def test_repositories_cannot_be_used_outside_the_block(fake_uow: FakeUnitOfWork) -> None:
    with pytest.raises(RuntimeError):
        await fake_uow.items.get(1)
{%- else %}


async def test_a_commit_is_counted_on_the_database(
    fake_uow: FakeUnitOfWork, fake_db: FakeDatabase
) -> None:
    async with fake_uow:
        await fake_uow.commit()

    assert fake_db.commits == 1


async def test_the_rows_cannot_be_used_outside_the_block(fake_uow: FakeUnitOfWork) -> None:
    with pytest.raises(RuntimeError):
        await fake_uow.commit()
{%- endif %}


async def test_a_unit_of_work_cannot_be_entered_twice_at_once(fake_uow: FakeUnitOfWork) -> None:
    async with fake_uow:
        with pytest.raises(RuntimeError):
            await fake_uow.__aenter__()


async def test_a_read_block_cannot_commit(fake_uow: FakeUnitOfWork) -> None:
    async with fake_uow.read():
        with pytest.raises(RuntimeError, match="read block"):
            await fake_uow.commit()


async def test_a_read_block_cannot_open_inside_a_transaction(fake_uow: FakeUnitOfWork) -> None:
    async with fake_uow:
        with pytest.raises(RuntimeError):
            async with fake_uow.read():
                pass
{%- if cookiecutter.auth == "jwt" %}


async def test_a_read_block_that_changes_rows_raises(
    fake_uow: FakeUnitOfWork, fake_db: FakeDatabase
) -> None:
    with pytest.raises(RuntimeError, match="read block"):
        async with fake_uow.read():
            await fake_uow.users.add(build_user())

    assert not fake_db.committed.users
{%- elif cookiecutter.include_example_resource == "yes" %}


async def test_a_read_block_that_changes_rows_raises(
    fake_uow: FakeUnitOfWork, fake_db: FakeDatabase
) -> None:
    with pytest.raises(RuntimeError, match="read block"):
        async with fake_uow.read():
            await fake_uow.items.add(build_item())

    assert not fake_db.committed.items
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}


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
{%- if cookiecutter.include_example_resource == "yes" %}


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
{%- endif %}
{%- endif %}

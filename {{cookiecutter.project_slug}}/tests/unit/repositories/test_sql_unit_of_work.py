"""SqlUnitOfWork and the engine on the test database.

The transactions write rows of `Probe`, a table of these tests' own, outside the app's
metadata: the unit of work is checked whatever tables the app has.
"""

import asyncio
from collections.abc import AsyncIterator

import pytest
{%- if cookiecutter.database == "postgresql" %}
from psycopg.pq import TransactionStatus
{%- endif %}
from sqlalchemy import String, inspect, select, text, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.core.config import Settings
from app.core.errors import ConflictError
from app.repositories.sql.database import (
    ConnectionQueue,
    ReadOnlyError,
    create_engine,
    get_engine,
    get_session_factory,
    get_write_queue,
)
from app.repositories.sql.unit_of_work import SqlUnitOfWork
from tests.fixtures.db import count, fetch


class _ProbeBase(DeclarativeBase):
    """A metadata of its own, so the app's tables and migrations never see the probe."""


class Probe(_ProbeBase):
    """A row to write in a transaction; `name` is unique, to provoke a conflict."""

    __tablename__ = "unit_of_work_probe"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)


@pytest.fixture(autouse=True)
async def _probe_table() -> AsyncIterator[None]:
    """Create the probe table for one test, and drop it after."""
    async with get_engine().begin() as connection:
        await connection.run_sync(_ProbeBase.metadata.create_all)
    yield
    async with get_engine().begin() as connection:
        await connection.run_sync(_ProbeBase.metadata.drop_all)


async def test_commit_makes_the_changes_permanent(uow: SqlUnitOfWork) -> None:
    async with uow:
        probe = Probe(name="kept")
        uow.session.add(probe)
        await uow.commit()

    assert await fetch(Probe, probe.id) is not None


async def test_leaving_the_block_without_commit_rolls_back(uow: SqlUnitOfWork) -> None:
    async with uow:
        uow.session.add(Probe(name="dropped"))
        await uow.session.flush()

    assert await count(Probe) == 0


async def test_an_error_inside_the_block_rolls_back_and_propagates(uow: SqlUnitOfWork) -> None:
    with pytest.raises(ZeroDivisionError):
        async with uow:
            uow.session.add(Probe(name="dropped"))
            await uow.session.flush()
            1 / 0  # noqa: B018

    assert await count(Probe) == 0


async def test_changes_after_the_last_commit_are_rolled_back(uow: SqlUnitOfWork) -> None:
    async with uow:
        probe = Probe(name="Committed")
        uow.session.add(probe)
        await uow.commit()
        probe.name = "Not committed"

    stored = await fetch(Probe, probe.id)
    assert stored is not None
    assert stored.name == "Committed"


async def test_objects_stay_readable_after_the_block(uow: SqlUnitOfWork) -> None:
    async with uow:
        probe = Probe(name="kept")
        uow.session.add(probe)
        await uow.commit()

    assert probe.name == "kept"
    assert probe.id is not None


async def test_the_unit_of_work_can_run_one_block_after_another(uow: SqlUnitOfWork) -> None:
    async with uow:
        probe = Probe(name="first")
        uow.session.add(probe)
        await uow.commit()

    async with uow:
        assert await uow.session.get(Probe, probe.id) is not None


async def test_a_commit_that_breaks_a_unique_key_raises_conflict(uow: SqlUnitOfWork) -> None:
    probe = Probe(name="free")
    async with uow:
        uow.session.add_all([Probe(name="taken"), probe])
        await uow.commit()
    async with uow:
        stored = await uow.session.get(Probe, probe.id)
        assert stored is not None
        stored.name = "taken"

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


async def test_a_read_block_sees_the_committed_rows(uow: SqlUnitOfWork) -> None:
    async with uow:
        probe = Probe(name="kept")
        uow.session.add(probe)
        await uow.commit()

    async with uow.read():
        stored = await uow.session.get(Probe, probe.id)

    assert stored is not None
    assert stored.name == "kept"


async def test_what_a_block_loaded_or_added_belongs_to_no_session_after_it(
    uow: SqlUnitOfWork,
) -> None:
    async with uow:
        uow.session.add(Probe(name="stored"))
        await uow.commit()
    left = Probe(name="left")

    async with uow.read():
        stored = (await uow.session.execute(select(Probe))).scalar_one()
    async with uow:
        uow.session.add(left)

    assert inspect(stored).detached
    assert inspect(left).transient


async def _driver_in_transaction(uow: SqlUnitOfWork) -> bool:
    raw = await (await uow.session.connection()).get_raw_connection()
{%- if cookiecutter.database == "postgresql" %}
    status = raw.driver_connection.info.transaction_status  # type: ignore[union-attr]
    return bool(status != TransactionStatus.IDLE)
{%- else %}
    return bool(raw.driver_connection.in_transaction)  # type: ignore[union-attr]
{%- endif %}


async def test_a_read_block_runs_outside_any_transaction(uow: SqlUnitOfWork) -> None:
    async with uow.read():
        await uow.session.execute(select(Probe))
        reading = await _driver_in_transaction(uow)
    async with uow:
        uow.session.add(Probe(name="written"))
        await uow.session.flush()
        writing = await _driver_in_transaction(uow)

    assert (reading, writing) == (False, True)


async def test_a_read_block_refuses_to_flush_a_change(uow: SqlUnitOfWork) -> None:
    with pytest.raises(ReadOnlyError):
        async with uow.read():
            uow.session.add(Probe(name="refused"))
            await uow.session.flush()

    assert await count(Probe) == 0


async def test_a_read_block_refuses_an_update_statement(uow: SqlUnitOfWork) -> None:
    async with uow:
        probe = Probe(name="before")
        uow.session.add(probe)
        await uow.commit()

    with pytest.raises(ReadOnlyError):
        async with uow.read():
            await uow.session.execute(update(Probe).values(name="after"))

    stored = await fetch(Probe, probe.id)
    assert stored is not None
    assert stored.name == "before"


async def test_a_read_block_may_flush_and_commit_when_nothing_is_pending(
    uow: SqlUnitOfWork,
) -> None:
    async with uow.read():
        await uow.session.flush()
        await uow.commit()

    assert await count(Probe) == 0


async def test_the_session_is_gone_after_a_read_block(uow: SqlUnitOfWork) -> None:
    async with uow.read():
        pass

    with pytest.raises(RuntimeError):
        _ = uow.session


async def test_blocks_get_connections_in_the_order_they_asked() -> None:
    url = get_engine().url.render_as_string(hide_password=False)
    engine = create_engine(Settings(_env_file=None, DATABASE_URL=url, DATABASE_POOL_SIZE=1))
    factory = async_sessionmaker(engine)
    queue = ConnectionQueue(1, timeout_s=10)
    served: list[str] = []
    holding, release = asyncio.Event(), asyncio.Event()

    async def read(name: str) -> None:
        async with SqlUnitOfWork(factory, queue).read() as uow:
            await uow.session.execute(text("SELECT 1"))
            served.append(name)

    async def hold_then_read_again() -> None:
        async with SqlUnitOfWork(factory, queue) as uow:
            await uow.session.execute(text("SELECT 1"))
            holding.set()
            await release.wait()
        # Straight after giving the connection back, before the waiting block could run:
        # SQLAlchemy's pool alone would hand it to this newcomer.
        await read("newcomer")

    try:
        holder = asyncio.create_task(hold_then_read_again())
        await holding.wait()
        waiter = asyncio.create_task(read("waiting"))
        await asyncio.sleep(0.05)
        release.set()
        await asyncio.gather(holder, waiter)
    finally:
        await engine.dispose()

    assert served == ["waiting", "newcomer"]


async def test_transactions_with_a_write_queue_run_one_after_another() -> None:
    factory = get_session_factory()
    writes = ConnectionQueue(1, timeout_s=10)
    events: list[str] = []
    first_in = asyncio.Event()

    async def write(name: str) -> None:
        async with SqlUnitOfWork(factory, writes=writes) as writing:
            events.append(f"{name} in")
            first_in.set()
            writing.session.add(Probe(name=name))
            await asyncio.sleep(0.02)
            await writing.commit()
            events.append(f"{name} out")

    async def write_after_first_began() -> None:
        await first_in.wait()
        await write("second")

    await asyncio.gather(write("first"), write_after_first_began())

    assert events == ["first in", "first out", "second in", "second out"]
    assert await count(Probe) == 2


async def test_a_transaction_that_gets_no_connection_gives_its_write_turn_back() -> None:
    connections, writes = ConnectionQueue(1, timeout_s=0.05), ConnectionQueue(1, timeout_s=1)

    async with connections:
        with pytest.raises(TimeoutError):
            async with SqlUnitOfWork(get_session_factory(), connections, writes):
                pass

    async with SqlUnitOfWork(get_session_factory(), connections, writes) as uow:
        await uow.session.execute(text("SELECT 1"))


def test_only_sqlite_has_a_write_queue() -> None:
{%- if cookiecutter.database == "sqlite" %}
    assert isinstance(get_write_queue(), ConnectionQueue)
{%- else %}
    assert get_write_queue() is None
{%- endif %}


async def test_a_turn_that_does_not_come_in_time_raises_timeout_error() -> None:
    queue = ConnectionQueue(1, timeout_s=0.05)
    waited: list[str] = []
    queue.waiting = lambda: _Recorded(waited)

    async with queue:
        with pytest.raises(TimeoutError):
            async with queue:
                pass

    assert waited == ["entered", "left"]


async def test_a_free_turn_is_not_counted_as_waiting() -> None:
    queue = ConnectionQueue(2, timeout_s=1)
    waited: list[str] = []
    queue.waiting = lambda: _Recorded(waited)

    async with queue, queue:
        pass

    assert waited == []


class _Recorded:
    """A context manager that records entering and leaving in `log`."""

    def __init__(self, log: list[str]) -> None:
        self._log = log

    def __enter__(self) -> None:
        self._log.append("entered")

    def __exit__(self, *_: object) -> None:
        self._log.append("left")


@pytest.mark.parametrize("inner", ["transaction", "read"])
async def test_a_block_cannot_open_inside_another(uow: SqlUnitOfWork, inner: str) -> None:
    async with uow:
        with pytest.raises(RuntimeError, match="already open"):
            if inner == "read":
                async with uow.read():
                    pass
            else:
                async with uow:
                    pass
{%- if cookiecutter.database == "postgresql" %}


@pytest.mark.parametrize(("prepared", "threshold"), [(True, 5), (False, None)])
async def test_prepared_statements_follow_the_setting(
    prepared: bool, threshold: int | None
) -> None:
    url = get_engine().url.render_as_string(hide_password=False)
    engine = create_engine(
        Settings(_env_file=None, DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS=prepared)
    )
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            assert raw.driver_connection.prepare_threshold == threshold  # type: ignore[union-attr]
    finally:
        await engine.dispose()
{%- endif %}

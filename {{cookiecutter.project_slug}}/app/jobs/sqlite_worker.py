"""The jobs on SQLite: one small runner over the outbox table, on one machine.

It polls for due mails every JOBS_POLL_SECONDS and sends up to JOBS_CONCURRENCY at once,
and purges once an hour. Several runners (the app's and a `worker`'s) may run together:
each mail is claimed by one of them at a time.
"""

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.jobs.tasks import deliver_mail, purge
from app.repositories.sql.database import get_session_factory
from app.repositories.sql.unit_of_work import SqlUnitOfWork
from app.utils.time import utcnow

logger = logging.getLogger(__name__)

QUEUES = ("mail", "housekeeping")
PURGE_EVERY_SECONDS = 3600.0


class Runner:
    """Runs the due jobs of `queues`, again and again, until stopped."""

    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        concurrency: int,
        queues: Collection[str] = QUEUES,
    ) -> None:
        """Run the jobs of `queues`, at most `concurrency` mails at a time."""
        self.settings = settings
        self.session_factory = session_factory
        self.concurrency = concurrency
        self.queues = queues
        self._next_purge = 0.0

    async def run_due(self) -> int:
        """Make one attempt at each mail due now, up to `concurrency` of them; say how many."""
        if "mail" not in self.queues:
            return 0
        async with SqlUnitOfWork(self.session_factory).read() as uow:
            due = await uow.mails.due(utcnow(), self.concurrency)
        results = await asyncio.gather(
            *(deliver_mail(mail_id, self.settings, self.session_factory) for mail_id in due),
            return_exceptions=True,
        )
        for mail_id, result in zip(due, results, strict=True):
            if isinstance(result, Exception):
                # The mail stays due: the next round tries it again.
                logger.error("delivering mail %d failed", mail_id, exc_info=result)
        return len(due)

    async def purge_if_due(self) -> None:
        """Purge, if an hour has passed since this runner last did."""
        now = asyncio.get_running_loop().time()
        if "housekeeping" in self.queues and now >= self._next_purge:
            self._next_purge = now + PURGE_EVERY_SECONDS
            await purge(self.settings, self.session_factory)

    async def run(self, stop: asyncio.Event, *, wait: bool = True) -> None:
        """Run until `stop` is set, or with `wait=False` until no job is due.

        The attempts under way finish first.
        """
        while not stop.is_set():
            try:
                await self.purge_if_due()
                tried = await self.run_due()
            except Exception:
                # The database may be away for a while: log it, keep going.
                logger.exception("the job runner failed; trying again")
                tried = 0
            if not tried and not wait:
                return
            # Without `wait`, the next round starts at once: what is due is all there is to run.
            if wait and tried < self.concurrency:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.JOBS_POLL_SECONDS)


async def run_worker(
    settings: Settings,
    *,
    concurrency: int,
    queues: Collection[str] = QUEUES,
    wait: bool = True,
    install_signal_handlers: bool = True,
) -> None:
    """Run the jobs of `queues` until SIGTERM or SIGINT (or, with `wait=False`, none is due)."""
    stop = asyncio.Event()
    if install_signal_handlers:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
    logger.info("worker started: queues %s, concurrency %d", ", ".join(queues), concurrency)
    runner = Runner(settings, get_session_factory(), concurrency=concurrency, queues=queues)
    await runner.run(stop, wait=wait)
    logger.info("worker stopped")


@asynccontextmanager
async def run_in_process(settings: Settings) -> AsyncIterator[None]:
    """Run the jobs beside the app while the block runs, if JOBS_IN_PROCESS says so."""
    if not settings.JOBS_IN_PROCESS:
        yield
        return
    stop = asyncio.Event()
    runner = Runner(settings, get_session_factory(), concurrency=settings.JOBS_CONCURRENCY)
    task = asyncio.create_task(runner.run(stop))
    try:
        yield
    finally:
        stop.set()
        await task

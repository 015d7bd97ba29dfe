"""The jobs on PostgreSQL: procrastinate's workers, as many processes on as many machines
as needed, with no service but the database.

Each mail is a `deliver_mail` job, deferred in the transaction that enqueued it (see
app/repositories/sql/job_queue.py) and fetched by exactly one worker. Its retries follow the
outbox row (app/jobs/tasks.py). Periodic jobs purge every hour and put back the jobs of
workers that stopped sending heartbeats (killed, or their machine lost).
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from datetime import datetime

from procrastinate import App, JobContext, PsycopgConnector, RetryDecision
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.jobs.tasks import deliver_mail, purge
from app.models.mail import MailStatus
from app.repositories.sql.database import get_session_factory
from app.repositories.sql.job_queue import DELIVER_MAIL, MAIL_QUEUE
from app.utils.time import utcnow

logger = logging.getLogger(__name__)

HOUSEKEEPING_QUEUE = "housekeeping"
QUEUES = (MAIL_QUEUE, HOUSEKEEPING_QUEUE)


class RetryLater(Exception):
    """The mail is still open, due at `retry_at`: its job runs again then."""

    def __init__(self, retry_at: datetime) -> None:
        """Run the job again at `retry_at`."""
        super().__init__(f"due again at {retry_at.isoformat(timespec='seconds')}")
        self.retry_at = retry_at


class AsTheOutboxSays(BaseRetryStrategy):
    """Run a mail's job again when its outbox row is due; after anything unexpected (the
    database away, say), again after 2, 4, 8... seconds, at most an hour apart.

    The row decides when a mail is given up, so its job never gives up first.
    """

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision:
        """When to run `job` again, after `exception`."""
        if isinstance(exception, RetryLater):
            return RetryDecision(retry_at=exception.retry_at)
        return RetryDecision(retry_in={"seconds": min(2 ** min(job.attempts + 1, 12), 3600)})


async def deliver_mail_job(context: JobContext, mail_id: int) -> None:
    """One attempt at one mail; RetryLater while it stays open."""
    settings: Settings = context.additional_context["settings"]
    attempt = await deliver_mail(mail_id, settings, get_session_factory())
    if attempt.status in (MailStatus.PENDING, MailStatus.SENDING):
        raise RetryLater(attempt.retry_at or utcnow())


async def purge_job(context: JobContext, timestamp: int) -> None:
    """Purge the app's old rows, and procrastinate's finished jobs as old."""
    settings: Settings = context.additional_context["settings"]
    await purge(settings, get_session_factory())
    await context.app.job_manager.delete_old_jobs(
        nb_hours=settings.MAIL_KEEP_DAYS * 24,
        include_failed=True,
        include_cancelled=True,
        include_aborted=True,
    )


async def retry_stalled_jobs(context: JobContext, timestamp: int) -> None:
    """Put back the jobs of workers that stopped sending heartbeats."""
    settings: Settings = context.additional_context["settings"]
    manager = context.app.job_manager
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=_stalled_after(settings)):
        logger.warning("job %s of a stalled worker is put back in its queue", job.id)
        await manager.retry_job(job)


def _stalled_after(settings: Settings) -> float:
    """A worker silent for this long is taken for dead (it beats every 2 polls)."""
    return 6 * settings.JOBS_POLL_SECONDS


def conninfo(settings: Settings) -> str:
    """DATABASE_URL as libpq (and so psycopg's pool) takes it."""
    url = make_url(settings.DATABASE_URL).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def build_queue(settings: Settings, concurrency: int) -> App:
    """The jobs on a pool of connections of their own, enough for `concurrency` at once.

    One App per worker, so that each opens and closes its own pool. Periodic jobs: purge
    hourly, put back the jobs of stalled workers every 3 polls.
    """
    kwargs = {} if settings.DATABASE_PREPARED_STATEMENTS else {"prepare_threshold": None}
    connector = PsycopgConnector(
        conninfo=conninfo(settings), min_size=1, max_size=concurrency + 1, kwargs=kwargs
    )
    app = App(connector=connector)
    app.task(name=DELIVER_MAIL, queue=MAIL_QUEUE, pass_context=True, retry=AsTheOutboxSays())(
        deliver_mail_job
    )
    purge = app.task(
        name="purge", queue=HOUSEKEEPING_QUEUE, pass_context=True, queueing_lock="purge"
    )(purge_job)
    app.periodic(cron="0 * * * *", periodic_id="hourly")(purge)
    stalled = app.task(
        name="retry_stalled_jobs",
        queue=HOUSEKEEPING_QUEUE,
        pass_context=True,
        queueing_lock="stalled",
    )(retry_stalled_jobs)
    seconds = max(1, min(59, round(3 * settings.JOBS_POLL_SECONDS)))
    app.periodic(cron=f"* * * * * */{seconds}", periodic_id="stalled")(stalled)
    return app


async def run_worker(
    settings: Settings,
    *,
    concurrency: int,
    queues: Collection[str] = QUEUES,
    wait: bool = True,
    install_signal_handlers: bool = True,
) -> None:
    """Run the jobs of `queues` until SIGTERM or SIGINT (or, with `wait=False`, none is due).

    A stop waits for the jobs under way, at most SMTP_TIMEOUT_SECONDS.
    """
    app = build_queue(settings, concurrency)
    async with app.open_async():
        await app.run_worker_async(
            queues=list(queues),
            concurrency=concurrency,
            wait=wait,
            install_signal_handlers=install_signal_handlers,
            additional_context={"settings": settings},
            # The outbox keeps the record of each mail: a finished job has nothing to add.
            delete_jobs="successful",
            fetch_job_polling_interval=settings.JOBS_POLL_SECONDS,
            update_heartbeat_interval=2 * settings.JOBS_POLL_SECONDS,
            stalled_worker_timeout=_stalled_after(settings),
            shutdown_graceful_timeout=settings.SMTP_TIMEOUT_SECONDS,
        )


@asynccontextmanager
async def run_in_process(settings: Settings) -> AsyncIterator[None]:
    """Run a worker beside the app while the block runs, if JOBS_IN_PROCESS says so."""
    if not settings.JOBS_IN_PROCESS:
        yield
        return
    task = asyncio.create_task(
        run_worker(settings, concurrency=settings.JOBS_CONCURRENCY, install_signal_handlers=False)
    )
    try:
        yield
    finally:
        task.cancel()  # procrastinate's graceful stop
        await asyncio.gather(task, return_exceptions=True)

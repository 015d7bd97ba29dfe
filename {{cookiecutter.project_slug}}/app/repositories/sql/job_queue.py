"""The job queue, procrastinate's tables in this database, as the repositories write to it.

A job is deferred on the connection of the unit of work's own transaction, so it is
committed or rolled back with the change it belongs to (procrastinate's "external
connection"). The workers that run the jobs are app/jobs/postgresql_worker.py's.
"""

from typing import Any

from procrastinate import App, PsycopgConnector
from sqlalchemy.ext.asyncio import AsyncSession

# The name and queue the delivery job is deferred and registered under: a job deferred here
# is unknown to this App, so it gets its queue from here, not from the task.
DELIVER_MAIL = "deliver_mail"
MAIL_QUEUE = "mail"

# Never opened: a job deferred on a connection of ours needs no pool of its own.
_queue = App(connector=PsycopgConnector())


async def defer_in_transaction(
    session: AsyncSession, task: str, queue: str, **arguments: Any
) -> None:
    """Defer the job `task` on `queue` with `arguments` inside the transaction of `session`."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    deferrer = _queue.configure_task(task, queue=queue, connection=raw.driver_connection)
    await deferrer.defer_async(**arguments)

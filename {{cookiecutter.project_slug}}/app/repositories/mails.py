"""What the services may ask of the outbox: to send a mail once their transaction commits."""

from datetime import datetime
from typing import Protocol

from app.schemas.mail import Mail


class MailOutboxRepository(Protocol):
    """The mails waiting to be sent, delivered by the background jobs after the commit.

    A mail enqueued in a transaction that rolls back is never sent; one that commits is
    delivered even if the SMTP server is down or the process stops right after the commit.
    """

    async def enqueue(self, mail: Mail) -> int:
        """Record `mail` for delivery once this transaction commits; return its id."""
        ...

    async def purge(self, finished_before: datetime) -> int:
        """Delete the mails sent or given up before `finished_before`; return how many."""
        ...

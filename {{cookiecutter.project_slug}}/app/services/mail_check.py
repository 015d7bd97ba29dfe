"""The test mail operators send to check the mail settings: `check-mail ADDRESS`."""

from app.repositories.unit_of_work import UnitOfWork
from app.schemas.mail import Mail, Recipient
from app.utils.time import utcnow

TEMPLATE = "mail_check"


class MailCheckService:
    """Queues the test mail, as any use case queues its mails."""

    def __init__(self, uow: UnitOfWork) -> None:
        """Use `uow` for storage."""
        self.uow = uow

    async def request(self, address: str) -> int:
        """Queue the test mail to `address`; return its id.

        A malformed address raises pydantic's ValidationError, and nothing is queued.
        """
        mail = Mail(
            to=Recipient(email=address),
            template=TEMPLATE,
            context={"requested_at": f"{utcnow():%Y-%m-%d %H:%M}"},
        )
        async with self.uow:
            mail_id = await self.uow.mails.enqueue(mail)
            await self.uow.commit()
        return mail_id

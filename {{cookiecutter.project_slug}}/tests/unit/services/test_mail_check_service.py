"""MailCheckService: the operators' test mail is queued like any use case's mail."""

import pytest
from pydantic import ValidationError

from app.schemas.mail import Recipient
from app.services.mail_check import TEMPLATE, MailCheckService
from tests.fixtures.fakes import FakeUnitOfWork


async def test_the_test_mail_is_queued_and_committed(fake_uow: FakeUnitOfWork) -> None:
    mail_id = await MailCheckService(fake_uow).request("ops@example.com")

    (mail,) = fake_uow.mails.enqueued
    assert mail_id == 1
    assert (mail.to, mail.template) == (Recipient(email="ops@example.com"), TEMPLATE)
    assert set(mail.context) == {"requested_at"}
    assert fake_uow.committed


async def test_a_malformed_address_queues_nothing(fake_uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError, match="email"):
        await MailCheckService(fake_uow).request("ops@example.com\r\nBcc: victim@example.com")

    assert fake_uow.mails.enqueued == []
    assert not fake_uow.committed

"""The delivery job of a mail is written by the mail's own transaction, or not at all."""

from typing import Any

import pytest
from sqlalchemy import text

from app.repositories.sql.database import get_session_factory
from app.repositories.sql.job_queue import DELIVER_MAIL
from app.repositories.sql.unit_of_work import SqlUnitOfWork
from app.schemas.mail import Mail, Recipient

MAIL = Mail(to=Recipient(email="ann@example.com"), template="mail_check")


async def _jobs() -> list[Any]:
    async with get_session_factory()() as session:
        result = await session.execute(
            text("SELECT task_name, args, status::text, queue_name FROM procrastinate_jobs")
        )
        return list(result.all())


@pytest.fixture(autouse=True)
async def _no_jobs() -> None:
    async with get_session_factory()() as session:
        await session.execute(text("DELETE FROM procrastinate_jobs"))
        await session.commit()


async def test_a_committed_mail_has_its_delivery_job() -> None:
    uow = SqlUnitOfWork(get_session_factory())
    async with uow:
        mail_id = await uow.mails.enqueue(MAIL)
        await uow.commit()

    assert await _jobs() == [(DELIVER_MAIL, {"mail_id": mail_id}, "todo", "mail")]


async def test_a_mail_rolled_back_leaves_no_job() -> None:
    uow = SqlUnitOfWork(get_session_factory())
    async with uow:
        await uow.mails.enqueue(MAIL)

    assert await _jobs() == []

"""Password recovery end to end: the API, the outbox, the jobs and a real SMTP server.

Each test reads the link out of the mail the server received, as the user would."""

import asyncio
import logging
import time

import httpx
import pytest

from app.core.config import Settings
from app.models.user import User
from tests.fixtures.http import API, bearer, login
from tests.fixtures.smtp import RunJobs, SmtpServer, link_token

NEW_PASSWORD = "a-new-passw0rd"


async def _recover(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post(f"{API}/auth/password-recovery", json={"email": email})


async def _reset(client: httpx.AsyncClient, token: str, password: str) -> httpx.Response:
    return await client.post(
        f"{API}/auth/password-reset", json={"token": token, "new_password": password}
    )


def _token(smtp_server: SmtpServer, index: int = -1) -> str:
    return link_token(smtp_server.received[index], "reset-password")


async def test_a_user_resets_a_forgotten_password_from_the_mailed_link(
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    run_jobs: RunJobs,
    mail_settings: Settings,
    user: User,
) -> None:
    signed_in = (await login(client, user.email)).json()

    recovered = await _recover(client, user.email)
    await run_jobs()
    reset = await _reset(client, _token(smtp_server), NEW_PASSWORD)
    await run_jobs()

    assert (recovered.status_code, reset.status_code) == (202, 204)
    reset_mail, notice = smtp_server.received
    assert reset_mail.recipients == notice.recipients == [user.email]
    assert (
        str(mail_settings.FRONTEND_URL).rstrip("/")
        in reset_mail.message.get_body(("plain",)).get_content()
    )
    assert notice.message["Subject"] == f"Your {mail_settings.PROJECT_NAME} password was changed"
    assert (await login(client, user.email)).status_code == 401
    assert (await login(client, user.email, NEW_PASSWORD)).status_code == 200
    # The sessions of before end, and their access tokens stop at once.
    me = await client.get(f"{API}/users/me", headers=bearer(signed_in["access_token"]))
    assert me.status_code == 401
    refreshed = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": signed_in["refresh_token"]}
    )
    assert refreshed.status_code == 401


async def test_no_log_line_and_no_response_shows_the_reset_token(
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    run_jobs: RunJobs,
    user: User,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Every line of the app's own loggers, which LOG_LEVEL sets; other libraries log at
    # WARNING and above, as in the app.
    caplog.set_level(logging.DEBUG, logger="app")

    recovered = await _recover(client, user.email)
    await run_jobs()
    token = _token(smtp_server)
    reset = await _reset(client, token, NEW_PASSWORD)
    await run_jobs()

    assert len(smtp_server.received) == 2  # the link, then the notice
    assert token not in recovered.text + reset.text + str(recovered.headers)
    assert not [record for record in caplog.records if token in record.getMessage()]


async def test_an_unknown_email_gets_the_same_answer_and_no_mail(
    client: httpx.AsyncClient, smtp_server: SmtpServer, run_jobs: RunJobs, user: User
) -> None:
    known = await _recover(client, user.email)
    unknown = await _recover(client, "nobody@example.com")
    await run_jobs()

    assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
    assert [received.recipients for received in smtp_server.received] == [[user.email]]


async def test_a_known_and_an_unknown_email_both_wait_for_the_answer_floor(
    client: httpx.AsyncClient,
    mail_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    user: User,
) -> None:
    monkeypatch.setattr(mail_settings, "PASSWORD_RECOVERY_MIN_ANSWER_MS", 150)
    took = {}

    for email in (user.email, "nobody@example.com"):
        started = time.perf_counter()
        assert (await _recover(client, email)).status_code == 202
        took[email] = time.perf_counter() - started

    # A lower bound the wait guarantees, not a measurement: the writes of a known email
    # (a few milliseconds) hide under it.
    assert min(took.values()) >= 0.15


async def test_while_the_smtp_server_is_down_recovery_answers_and_the_mail_comes_later(
    client: httpx.AsyncClient, smtp_server: SmtpServer, run_jobs: RunJobs, user: User
) -> None:
    await smtp_server.stop()

    recovered = await _recover(client, user.email)
    await run_jobs()
    await smtp_server.start()
    await asyncio.sleep(0.5)  # MAIL_RETRY_SECONDS of the tests: the retry is due
    await run_jobs()

    assert recovered.status_code == 202
    (mail,) = smtp_server.received
    assert mail.recipients == [user.email]
    assert (await _reset(client, _token(smtp_server), NEW_PASSWORD)).status_code == 204


async def test_a_used_superseded_or_forged_token_gets_one_problem(
    client: httpx.AsyncClient, smtp_server: SmtpServer, run_jobs: RunJobs, user: User
) -> None:
    # Each mail is delivered before the next is asked for: the workers keep no order.
    for _ in range(2):
        await _recover(client, user.email)
        await run_jobs()
    superseded, newest = _token(smtp_server, 0), _token(smtp_server, 1)
    assert (await _reset(client, newest, NEW_PASSWORD)).status_code == 204

    answers = [
        await _reset(client, token, "yet-another-passw0rd")
        for token in (newest, superseded, "forged-" + newest[7:])
    ]

    assert {answer.status_code for answer in answers} == {422}
    assert len({answer.json()["detail"] for answer in answers}) == 1
    assert (await login(client, user.email, NEW_PASSWORD)).status_code == 200


async def test_a_new_password_must_follow_the_policy_and_spends_no_token(
    client: httpx.AsyncClient, smtp_server: SmtpServer, run_jobs: RunJobs, user: User
) -> None:
    await _recover(client, user.email)
    await run_jobs()

    weak = await _reset(client, _token(smtp_server), "short")

    assert weak.status_code == 422
    assert [error["loc"][-1] for error in weak.json()["errors"]] == ["new_password"]
    assert (await _reset(client, _token(smtp_server), NEW_PASSWORD)).status_code == 204


async def test_recovery_requests_over_the_limit_answer_429_for_any_email(
    client: httpx.AsyncClient, mail_settings: Settings, user: User
) -> None:
    for email in (user.email, "nobody@example.com"):
        answers = [
            await _recover(client, email)
            for _ in range(mail_settings.PASSWORD_RECOVERY_MAX_PER_EMAIL + 1)
        ]
        assert [answer.status_code for answer in answers][-2:] == [202, 429]
        assert int(answers[-1].headers["Retry-After"]) > 0


@pytest.mark.parametrize("email", ["not-an-email", "a" * 400 + "@example.com"])
async def test_a_malformed_email_is_refused_in_one_line(
    client: httpx.AsyncClient, email: str
) -> None:
    response = await _recover(client, email)

    assert response.status_code == 422
    assert [error["loc"][-1] for error in response.json()["errors"]] == ["email"]

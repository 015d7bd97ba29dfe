"""Email verification and email changes end to end: the API, the jobs, a real SMTP server.

Each test reads the link out of the mail the server received, as the user would."""

import logging
import re

import httpx
import pytest

from app.core.config import Settings
from app.models.user import User
from tests.fixtures.factories import PASSWORD, register_body
from tests.fixtures.http import API, bearer, login
from tests.fixtures.problems import assert_problem
from tests.fixtures.smtp import Received, RunJobs, SmtpServer, link_token

LINK = re.compile(r"https?://\S+/verify-email\?token=[\w-]+")
ME = f"{API}/users/me"
RESEND = f"{ME}/email-verification"


def _token(received: Received) -> str:
    return link_token(received, "verify-email")


async def _verify(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(f"{API}/auth/verify-email", json={"token": token})


async def _me(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, object]:
    response = await client.get(ME, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_a_new_user_confirms_their_email_from_the_mailed_link(
    client: httpx.AsyncClient, smtp_server: SmtpServer, run_jobs: RunJobs, mail_settings: Settings
) -> None:
    body = register_body(email="ada@example.com")
    registered = await client.post(f"{API}/auth/register", json=body)
    await run_jobs()

    assert registered.json()["email_verified"] is False
    (mail,) = smtp_server.received
    assert mail.recipients == ["ada@example.com"]
    assert mail.message["Subject"] == f"Confirm your email for {mail_settings.PROJECT_NAME}"
    assert str(mail_settings.FRONTEND_URL).rstrip("/") + "/verify-email?token=" in mail.html
    assert (await _verify(client, _token(mail))).status_code == 204
    headers = bearer(
        (await login(client, "ada@example.com", body["password"])).json()["access_token"]
    )
    assert (await _me(client, headers))["email_verified"] is True


async def test_a_link_works_once_and_a_newer_one_replaces_it(
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    run_jobs: RunJobs,
    user: User,
    user_headers: dict[str, str],
) -> None:
    # Each mail is delivered before the next is asked for: the workers keep no order.
    for _ in range(2):
        assert (await client.post(RESEND, headers=user_headers)).status_code == 202
        await run_jobs()
    older, newer = (_token(mail) for mail in smtp_server.received)

    answers = [await _verify(client, token) for token in (older, newer, newer, "forged")]

    assert [answer.status_code for answer in answers] == [422, 204, 422, 422]
    assert len({answers[i].json()["detail"] for i in (0, 2, 3)}) == 1
    assert (await _me(client, user_headers))["email_verified"] is True
    already = await client.post(RESEND, headers=user_headers)
    assert assert_problem(already, 409)["detail"] == "This email is already verified."


async def test_asking_for_links_is_limited_per_user(
    client: httpx.AsyncClient, mail_settings: Settings, user_headers: dict[str, str]
) -> None:
    answers = [
        await client.post(RESEND, headers=user_headers)
        for _ in range(mail_settings.EMAIL_VERIFICATION_MAX_PER_USER + 1)
    ]

    assert [answer.status_code for answer in answers][-2:] == [202, 429]
    assert int(answers[-1].headers["Retry-After"]) > 0


async def test_with_verification_required_a_user_gets_in_once_verified(
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    run_jobs: RunJobs,
    mail_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    user_headers: dict[str, str],
) -> None:
    monkeypatch.setattr(mail_settings, "EMAIL_VERIFICATION", "required")
    sessions = f"{API}/auth/sessions"
    refused = await client.get(sessions, headers=user_headers)

    await client.post(RESEND, headers=user_headers)
    await run_jobs()
    await _verify(client, _token(smtp_server.received[0]))

    assert assert_problem(refused, 403)["type"] == "/problems/email-not-verified"
    # The same access token: verification counts on the next request.
    assert (await client.get(sessions, headers=user_headers)).status_code == 200


async def test_an_email_change_waits_for_the_link_sent_to_the_new_address(
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    run_jobs: RunJobs,
    user: User,
    user_headers: dict[str, str],
) -> None:
    changed = await client.patch(
        ME, json={"email": "New@Example.com", "current_password": PASSWORD}, headers=user_headers
    )
    await run_jobs()

    assert changed.status_code == 200
    assert changed.json()["email"] == user.email
    assert (await login(client, "new@example.com")).status_code == 401
    by_recipient = {mail.recipients[0]: mail for mail in smtp_server.received}
    assert sorted(by_recipient) == sorted([user.email, "new@example.com"])
    assert "new@example.com" in by_recipient[user.email].text
    assert LINK.findall(by_recipient[user.email].text) == []  # the old address gets no link
    assert (await _verify(client, _token(by_recipient["new@example.com"]))).status_code == 204
    assert (await login(client, user.email)).status_code == 401
    assert (await login(client, "new@example.com")).status_code == 200
    me = await _me(client, user_headers)
    assert (me["email"], me["email_verified"]) == ("new@example.com", True)


async def test_an_email_change_to_an_address_taken_meanwhile_answers_409(
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    run_jobs: RunJobs,
    user: User,
    user_headers: dict[str, str],
) -> None:
    await client.patch(
        ME, json={"email": "taken@example.com", "current_password": PASSWORD}, headers=user_headers
    )
    await client.post(f"{API}/auth/register", json=register_body(email="taken@example.com"))
    await run_jobs()
    (confirmation,) = [
        mail for mail in smtp_server.received if "new email" in mail.message["Subject"]
    ]

    answer = await _verify(client, _token(confirmation))

    assert_problem(answer, 409)
    assert (await _me(client, user_headers))["email"] == user.email


async def test_with_verification_off_nothing_is_mailed_but_an_email_change_notice(
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    run_jobs: RunJobs,
    mail_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    user: User,
    user_headers: dict[str, str],
) -> None:
    monkeypatch.setattr(mail_settings, "EMAIL_VERIFICATION", "off")
    await client.post(f"{API}/auth/register", json=register_body())
    resend = await client.post(RESEND, headers=user_headers)
    changed = await client.patch(
        ME, json={"email": "moved@example.com", "current_password": PASSWORD}, headers=user_headers
    )
    await run_jobs()

    assert_problem(resend, 422)
    assert (changed.json()["email"], changed.json()["email_verified"]) == (
        "moved@example.com",
        False,
    )
    (notice,) = smtp_server.received
    assert notice.recipients == [user.email]
    assert "moved@example.com" in notice.text


async def test_an_admin_sees_who_is_verified_and_sends_a_new_link(
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    run_jobs: RunJobs,
    user: User,
    admin_headers: dict[str, str],
) -> None:
    listed = await client.get(f"{API}/users", headers=admin_headers)
    resent = await client.post(f"{API}/users/{user.id}/email-verification", headers=admin_headers)
    await run_jobs()
    await _verify(client, _token(smtp_server.received[0]))

    assert {row["email"]: row["email_verified"] for row in listed.json()["items"]}[
        user.email
    ] is False
    assert resent.status_code == 202
    assert smtp_server.received[0].recipients == [user.email]
    read = await client.get(f"{API}/users/{user.id}", headers=admin_headers)
    assert read.json()["email_verified"] is True
    again = await client.post(f"{API}/users/{user.id}/email-verification", headers=admin_headers)
    assert_problem(again, 409)
    missing = await client.post(f"{API}/users/999999/email-verification", headers=admin_headers)
    assert_problem(missing, 404)


async def test_an_admin_vouches_for_an_address_and_no_link_is_mailed(
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    run_jobs: RunJobs,
    user: User,
    admin_headers: dict[str, str],
) -> None:
    created = await client.post(
        f"{API}/users", json={**register_body(), "email_verified": True}, headers=admin_headers
    )
    updated = await client.patch(
        f"{API}/users/{user.id}", json={"email_verified": True}, headers=admin_headers
    )
    await run_jobs()

    assert (created.json()["email_verified"], updated.json()["email_verified"]) == (True, True)
    assert smtp_server.received == []


async def test_a_link_to_an_old_address_stops_working_when_the_email_moves(
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    run_jobs: RunJobs,
    user: User,
    user_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    await client.post(RESEND, headers=user_headers)
    await run_jobs()
    old_link = _token(smtp_server.received[0])
    await client.patch(
        f"{API}/users/{user.id}", json={"email": "moved@example.com"}, headers=admin_headers
    )

    assert_problem(await _verify(client, old_link), 422)


async def test_no_log_line_and_no_response_shows_a_verification_token(
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    run_jobs: RunJobs,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="app")

    registered = await client.post(f"{API}/auth/register", json=register_body())
    await run_jobs()
    token = _token(smtp_server.received[0])
    verified = await _verify(client, token)

    assert verified.status_code == 204
    assert token not in registered.text + verified.text + str(registered.headers)
    assert not [record for record in caplog.records if token in record.getMessage()]

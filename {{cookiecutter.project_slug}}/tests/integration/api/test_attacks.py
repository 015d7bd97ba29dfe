"""Attacks on authentication, sessions and access control, each tried through the real app.

One test per attack: forged, expired, unsigned and confused tokens; stolen refresh tokens;
sessions that must end at once; brute force and account enumeration; mass assignment and
privilege escalation; one user reaching for another's data; races between requests; and
the links of account mails, expired or aimed at another account.
"""

import asyncio
import base64
import json
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col

from app.api.deps import get_uow
from app.core.config import Settings
from app.core.security import PasswordHasher, fingerprint
from app.main import create_app
from app.models.account_token import AccountToken
from app.models.login_throttle import LoginThrottle
from app.models.user import User
from app.repositories.sql.database import create_engine, get_session_factory
from app.repositories.sql.unit_of_work import SqlUnitOfWork
from app.repositories.unit_of_work import UnitOfWork
from app.services.auth import BAD_CREDENTIALS, BAD_TOKEN
from app.utils.time import utcnow
from tests.fixtures.db import count, fetch
from tests.fixtures.factories import PASSWORD, register_body
from tests.fixtures.http import API, bearer, login
from tests.fixtures.problems import (
    assert_problem,
    assert_unauthenticated,
    assert_validation_problem,
)
from tests.fixtures.smtp import RunJobs, SmtpServer, link_token

ME = f"{API}/users/me"
REGISTER = f"{API}/auth/register"
REFRESH = f"{API}/auth/refresh"
LOGOUT = f"{API}/auth/logout"
SESSIONS = f"{API}/auth/sessions"
WRONG_PASSWORD = "wrong-password-1"
NEW_PASSWORD = "another-horse-43"


@pytest.fixture
async def tokens(client: httpx.AsyncClient, user: User) -> dict[str, Any]:
    """The token pair of a fresh login of `user`."""
    response = await login(client, user.email)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _claims(token: str) -> dict[str, Any]:
    """The claims of one of the app's tokens, read without checking anything."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _resign(token: str, settings: Settings, *, key: str | None = None, **changes: Any) -> str:
    """The token's claims, changed and signed again (with the app's key unless told)."""
    algorithm = changes.pop("algorithm", settings.JWT_ALGORITHM)
    secret = key if key is not None else settings.SECRET_KEY.get_secret_value()
    return jwt.encode(_claims(token) | changes, secret, algorithm=algorithm)


async def _me(client: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await client.get(ME, headers=bearer(access_token))


async def _refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post(REFRESH, json={"refresh_token": refresh_token})


async def _unchanged(user: User) -> bool:
    """Whether the stored row of `user` is still as it was."""
    stored = await fetch(User, user.id)
    return stored is not None and _account(stored) == _account(user)


def _account(user: User) -> tuple[object, ...]:
    return (user.email, user.hashed_password, user.role, user.is_active, user.token_version)


# ---------------------------------------------------------------- forged and confused tokens


async def test_a_token_with_a_tampered_payload_is_rejected(
    client: httpx.AsyncClient, tokens: dict[str, Any], admin: User
) -> None:
    header, _, signature = tokens["access_token"].split(".")
    claims = _claims(tokens["access_token"]) | {"sub": str(admin.id)}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    forged = f"{header}.{payload}.{signature}"

    assert_unauthenticated(await _me(client, forged))


async def test_an_expired_access_token_is_rejected(
    client: httpx.AsyncClient, tokens: dict[str, Any], settings: Settings
) -> None:
    past = utcnow() - timedelta(hours=1)
    expired = _resign(tokens["access_token"], settings, iat=past, exp=past + timedelta(minutes=1))

    assert_unauthenticated(await _me(client, expired))


async def test_an_unsigned_token_alg_none_is_rejected(
    client: httpx.AsyncClient, tokens: dict[str, Any]
) -> None:
    unsigned = jwt.encode(_claims(tokens["access_token"]), key=None, algorithm="none")

    assert_unauthenticated(await _me(client, unsigned))


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
async def test_a_token_signed_with_another_algorithm_than_the_pinned_one_is_rejected(
    client: httpx.AsyncClient, tokens: dict[str, Any], settings: Settings, algorithm: str
) -> None:
    assert settings.JWT_ALGORITHM == "HS256"
    confused = _resign(tokens["access_token"], settings, algorithm=algorithm)

    assert_unauthenticated(await _me(client, confused))


async def test_a_token_signed_with_another_key_is_rejected(
    client: httpx.AsyncClient, tokens: dict[str, Any], settings: Settings
) -> None:
    forged = _resign(tokens["access_token"], settings, key="an-attackers-own-key-" + "k" * 43)

    assert_unauthenticated(await _me(client, forged))


async def test_a_refresh_token_used_as_an_access_token_is_rejected(
    client: httpx.AsyncClient, tokens: dict[str, Any]
) -> None:
    assert_unauthenticated(await _me(client, tokens["refresh_token"]))


async def test_an_access_token_used_as_a_refresh_token_is_rejected(
    client: httpx.AsyncClient, tokens: dict[str, Any]
) -> None:
    assert_unauthenticated(await _refresh(client, tokens["access_token"]))
    assert_unauthenticated(
        await client.post(LOGOUT, json={"refresh_token": tokens["access_token"]})
    )


@pytest.mark.parametrize(
    "claim", [{"iss": "someone-else"}, {"aud": "another-api"}], ids=["issuer", "audience"]
)
async def test_a_token_for_another_issuer_or_audience_is_rejected(
    client: httpx.AsyncClient, tokens: dict[str, Any], settings: Settings, claim: dict[str, str]
) -> None:
    elsewhere = _resign(tokens["access_token"], settings, **claim)

    assert_unauthenticated(await _me(client, elsewhere))


async def test_a_signed_token_naming_another_users_session_is_rejected(
    client: httpx.AsyncClient, tokens: dict[str, Any], settings: Settings, other_user: User
) -> None:
    # Even with the key, a token only works for the user whose session it names.
    borrowed = _resign(tokens["access_token"], settings, sub=str(other_user.id))

    assert_unauthenticated(await _me(client, borrowed))


# ---------------------------------------------------------------- stolen and ended sessions


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(
    client: httpx.AsyncClient, tokens: dict[str, Any]
) -> None:
    newest = (await _refresh(client, tokens["refresh_token"])).json()

    # The old token comes back: someone kept a copy of it.
    reused = await _refresh(client, tokens["refresh_token"])

    assert assert_unauthenticated(reused)["detail"] == BAD_TOKEN

    assert_unauthenticated(await _refresh(client, newest["refresh_token"]))
    assert_unauthenticated(await _me(client, newest["access_token"]))
    assert_unauthenticated(await _me(client, tokens["access_token"]))


async def test_after_logout_neither_token_of_the_session_works(
    client: httpx.AsyncClient, tokens: dict[str, Any]
) -> None:
    response = await client.post(LOGOUT, json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 204

    assert_unauthenticated(await _refresh(client, tokens["refresh_token"]))
    assert_unauthenticated(await _me(client, tokens["access_token"]))


async def test_ending_a_session_stops_its_access_token_at_once(
    client: httpx.AsyncClient, tokens: dict[str, Any], user: User
) -> None:
    stolen = (await login(client, user.email)).json()
    listed = (await client.get(SESSIONS, headers=bearer(tokens["access_token"]))).json()
    (stolen_id,) = [session["id"] for session in listed["items"] if not session["current"]]

    response = await client.delete(
        f"{SESSIONS}/{stolen_id}", headers=bearer(tokens["access_token"])
    )

    assert (response.status_code, response.content) == (204, b"")
    assert_unauthenticated(await _me(client, stolen["access_token"]))
    assert_unauthenticated(await _refresh(client, stolen["refresh_token"]))
    assert (await _me(client, tokens["access_token"])).status_code == 200


async def test_a_password_change_stops_every_token_of_the_user_at_once(
    client: httpx.AsyncClient, tokens: dict[str, Any], user: User
) -> None:
    elsewhere = (await login(client, user.email)).json()
    body = {"password": NEW_PASSWORD, "current_password": PASSWORD}

    response = await client.patch(ME, json=body, headers=bearer(tokens["access_token"]))

    assert response.status_code == 200
    for pair in (tokens, elsewhere):
        assert_unauthenticated(await _me(client, pair["access_token"]))
        assert_unauthenticated(await _refresh(client, pair["refresh_token"]))


async def test_deactivation_stops_the_users_tokens_at_once(
    client: httpx.AsyncClient,
    tokens: dict[str, Any],
    user: User,
    admin_headers: dict[str, str],
) -> None:
    response = await client.patch(
        f"{API}/users/{user.id}", json={"is_active": False}, headers=admin_headers
    )

    assert response.status_code == 200
    assert_unauthenticated(await _me(client, tokens["access_token"]))
    assert_unauthenticated(await _refresh(client, tokens["refresh_token"]))


# ---------------------------------------------------------------- brute force and enumeration


async def _fail_logins(client: httpx.AsyncClient, email: str, times: int) -> None:
    for _ in range(times):
        assert_unauthenticated(await login(client, email, WRONG_PASSWORD))


async def test_repeated_failed_logins_lock_the_account_with_429_and_retry_after(
    client: httpx.AsyncClient, user: User, settings: Settings
) -> None:
    await _fail_logins(client, user.email, settings.LOGIN_MAX_FAILURES)

    response = await login(client, user.email, WRONG_PASSWORD)

    body = assert_problem(response, 429)
    assert body["type"] == "/problems/too-many-attempts"
    lockout = settings.LOGIN_LOCKOUT_MINUTES * 60
    assert lockout - 5 <= int(response.headers["retry-after"]) <= lockout


async def test_a_locked_account_refuses_even_the_right_password(
    client: httpx.AsyncClient, user: User, settings: Settings
) -> None:
    await _fail_logins(client, user.email, settings.LOGIN_MAX_FAILURES)

    assert_problem(await login(client, user.email, PASSWORD), 429)


async def test_the_failure_count_lives_in_the_database_shared_by_every_worker(
    client: httpx.AsyncClient, user: User, settings: Settings
) -> None:
    await _fail_logins(client, user.email, settings.LOGIN_MAX_FAILURES)

    async with get_session_factory()() as session:
        stored = await session.scalar(
            select(LoginThrottle).where(col(LoginThrottle.key_hash) == fingerprint(user.email))
        )
    assert stored is not None
    assert stored.locked_until is not None and stored.locked_until > utcnow()

    # A second app with an engine of its own, as another worker process or replica has.
    engine = create_engine(settings)
    other_worker = create_app(settings)

    async def own_uow() -> UnitOfWork:
        return SqlUnitOfWork(async_sessionmaker(engine, expire_on_commit=False))

    other_worker.dependency_overrides[get_uow] = own_uow
    try:
        transport = httpx.ASGITransport(app=other_worker)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as other:
            assert_problem(await login(other, user.email, PASSWORD), 429)
    finally:
        await engine.dispose()


async def test_an_unknown_email_and_a_wrong_password_get_the_same_status_and_body(
    client: httpx.AsyncClient, user: User
) -> None:
    wrong_password = await login(client, user.email, WRONG_PASSWORD)
    unknown_email = await login(client, "nobody@example.com", WRONG_PASSWORD)

    assert unknown_email.status_code == wrong_password.status_code == 401
    assert unknown_email.json() == wrong_password.json()
    assert unknown_email.json()["detail"] == BAD_CREDENTIALS
    assert unknown_email.headers["www-authenticate"] == wrong_password.headers["www-authenticate"]


async def test_an_unknown_email_locks_out_exactly_like_a_known_one(
    client: httpx.AsyncClient, user: User, settings: Settings
) -> None:
    for email in (user.email, "nobody@example.com"):
        await _fail_logins(client, email, settings.LOGIN_MAX_FAILURES)
    known = await login(client, user.email, WRONG_PASSWORD)
    unknown = await login(client, "nobody@example.com", WRONG_PASSWORD)

    assert known.status_code == unknown.status_code == 429
    assert known.json() == unknown.json()
    assert abs(int(known.headers["retry-after"]) - int(unknown.headers["retry-after"])) <= 1


async def test_a_huge_password_is_bad_credentials_and_never_hashed(
    client: httpx.AsyncClient,
    user: User,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hashed: list[int] = []
    hasher = PasswordHasher.from_settings(settings)
    verify = hasher.verify

    async def spy(password: str, stored_hash: str | None) -> bool:
        hashed.append(len(password))
        return await verify(password, stored_hash)

    monkeypatch.setattr(hasher, "verify", spy)

    response = await login(client, user.email, "x1" * 500_000)

    assert assert_unauthenticated(response)["detail"] == BAD_CREDENTIALS
    assert hashed == []


async def test_an_email_in_other_case_is_the_same_account_and_the_same_lock(
    client: httpx.AsyncClient, user: User, settings: Settings
) -> None:
    assert (await login(client, user.email.upper())).status_code == 200
    assert_problem(await client.post(REGISTER, json=register_body(email=user.email.upper())), 409)

    await _fail_logins(client, user.email.upper(), settings.LOGIN_MAX_FAILURES)

    assert_problem(await login(client, user.email), 429)


# ---------------------------------------------------------------- mass assignment

# What no client may set about an account: each is refused by name, so none is ignored quietly.
PRIVILEGED_FIELDS: dict[str, Any] = {
    "role": "admin",
    "is_active": False,
    "id": 1,
    "token_version": 9,
    "created_at": "2000-01-01T00:00:00Z",
    "updated_at": "2000-01-01T00:00:00Z",
    "hashed_password": "x",
}


async def test_registration_refuses_every_field_a_client_may_not_set(
    client: httpx.AsyncClient,
) -> None:
    body = register_body(email="mallory@example.com") | PRIVILEGED_FIELDS

    response = await client.post(REGISTER, json=body)

    for field in PRIVILEGED_FIELDS:
        assert_validation_problem(response, "body", field)
    assert await count(User) == 0


async def test_update_me_refuses_every_field_a_user_may_not_set(
    client: httpx.AsyncClient, user: User, tokens: dict[str, Any]
) -> None:
    body = {"full_name": "Mallory"} | PRIVILEGED_FIELDS

    response = await client.patch(ME, json=body, headers=bearer(tokens["access_token"]))

    for field in PRIVILEGED_FIELDS:
        assert_validation_problem(response, "body", field)
    assert await _unchanged(user)


async def test_a_stolen_access_token_alone_cannot_take_the_account_over(
    client: httpx.AsyncClient, user: User, tokens: dict[str, Any]
) -> None:
    stolen = bearer(tokens["access_token"])

    for change in ({"password": NEW_PASSWORD}, {"email": "mallory@example.com"}):
        without = await client.patch(ME, json=change, headers=stolen)
        guessed = await client.patch(
            ME, json=change | {"current_password": "guess-123"}, headers=stolen
        )

        assert assert_problem(without, 422)["type"] == "/problems/business-rule"
        assert assert_problem(guessed, 403)["type"] == "/problems/forbidden"
    assert await _unchanged(user)


async def test_guessing_the_current_password_locks_the_account_like_failed_logins(
    client: httpx.AsyncClient, user: User, tokens: dict[str, Any], settings: Settings
) -> None:
    guess = {"password": NEW_PASSWORD, "current_password": "guess-123"}
    for _ in range(settings.LOGIN_MAX_FAILURES):
        await client.patch(ME, json=guess, headers=bearer(tokens["access_token"]))

    assert_problem(await login(client, user.email), 429)


# ---------------------------------------------------------------- privilege escalation


async def test_a_user_cannot_make_themselves_an_admin(
    client: httpx.AsyncClient, user: User, tokens: dict[str, Any]
) -> None:
    headers = bearer(tokens["access_token"])

    through_me = await client.patch(ME, json={"role": "admin"}, headers=headers)
    through_admin_route = await client.patch(
        f"{API}/users/{user.id}", json={"role": "admin"}, headers=headers
    )
    creating_one = await client.post(
        f"{API}/users", json=register_body(role="admin"), headers=headers
    )

    assert_problem(through_me, 422)
    assert_problem(through_admin_route, 403)
    assert_problem(creating_one, 403)
    stored = await fetch(User, user.id)
    assert stored is not None
    assert stored.role == "user"


async def test_an_admin_cannot_remove_the_last_admin(
    client: httpx.AsyncClient, admin: User, admin_headers: dict[str, str]
) -> None:
    url = f"{API}/users/{admin.id}"

    assert_problem(await client.patch(url, json={"role": "user"}, headers=admin_headers), 422)
    assert_problem(await client.patch(url, json={"is_active": False}, headers=admin_headers), 422)
    assert_problem(await client.delete(url, headers=admin_headers), 422)


# ---------------------------------------------------------------- other users' data


async def test_a_user_cannot_read_change_or_delete_another_user(
    client: httpx.AsyncClient, other_user: User, tokens: dict[str, Any]
) -> None:
    headers = bearer(tokens["access_token"])
    url = f"{API}/users/{other_user.id}"

    responses = [
        await client.get(url, headers=headers),
        await client.get(f"{API}/users", headers=headers),
        await client.patch(url, json={"email": "mine@example.com"}, headers=headers),
        await client.delete(url, headers=headers),
    ]

    for response in responses:
        assert_problem(response, 403)
        assert other_user.email not in response.text
    assert await _unchanged(other_user)


async def test_a_user_sees_and_ends_only_their_own_sessions(
    client: httpx.AsyncClient, user: User, other_user: User, tokens: dict[str, Any]
) -> None:
    theirs = (await login(client, other_user.email)).json()
    their_sessions = (await client.get(SESSIONS, headers=bearer(theirs["access_token"]))).json()
    (their_id,) = [session["id"] for session in their_sessions["items"]]

    mine = (await client.get(SESSIONS, headers=bearer(tokens["access_token"]))).json()
    ending = await client.delete(f"{SESSIONS}/{their_id}", headers=bearer(tokens["access_token"]))

    assert their_id not in [session["id"] for session in mine["items"]]
    assert_problem(ending, 404)
    assert (await _me(client, theirs["access_token"])).status_code == 200


async def test_no_response_shows_a_password_hash_or_a_refresh_token_hash(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    registered = await client.post(REGISTER, json=register_body(email="eve@example.com"))
    pair = (await login(client, "eve@example.com")).json()
    rotated = await _refresh(client, pair["refresh_token"])
    headers = bearer(rotated.json()["access_token"])
    responses = [
        registered,
        rotated,
        await client.get(ME, headers=headers),
        await client.get(SESSIONS, headers=headers),
        await client.get(f"{API}/users", headers=admin_headers),
        await client.get(f"{API}/users/{registered.json()['id']}", headers=admin_headers),
    ]
    async with get_session_factory()() as session:
        stored_hashes = list(await session.scalars(select(col(User.hashed_password))))

    secrets = [*stored_hashes, fingerprint(rotated.json()["refresh_token"]), "$argon2"]
    for response in responses:
        assert response.status_code in (200, 201), response.text
        assert not any(secret in response.text for secret in secrets)
        assert "hashed_password" not in response.text
        assert "token_hash" not in response.text


# ---------------------------------------------------------------- races


async def test_two_concurrent_registrations_of_one_email_give_one_201_and_one_409(
    client: httpx.AsyncClient,
) -> None:
    body = register_body(email="race@example.com")

    responses = await asyncio.gather(*(client.post(REGISTER, json=body) for _ in range(2)))

    assert sorted(response.status_code for response in responses) == [201, 409]
    async with get_session_factory()() as session:
        users = list(
            await session.scalars(select(User).where(col(User.email) == "race@example.com"))
        )
    assert len(users) == 1


async def test_two_concurrent_refreshes_of_one_token_give_exactly_one_new_pair(
    client: httpx.AsyncClient, tokens: dict[str, Any]
) -> None:
    responses = await asyncio.gather(*(_refresh(client, tokens["refresh_token"]) for _ in range(2)))

    assert sorted(response.status_code for response in responses) == [200, 401]
    (loser,) = [response for response in responses if response.status_code == 401]
    assert_unauthenticated(loser)


# ---------------------------------------------------------------- account mails


async def test_a_name_with_line_breaks_adds_no_recipient_or_header_to_the_sign_up_mail(
    client: httpx.AsyncClient, smtp_server: SmtpServer, run_jobs: RunJobs
) -> None:
    body = register_body(email="eve@example.com", full_name="Eve\r\nBcc: victim@example.com")

    assert (await client.post(REGISTER, json=body)).status_code == 201
    await run_jobs()

    (received,) = smtp_server.received
    assert received.recipients == ["eve@example.com"]
    assert received.message["Bcc"] is None


async def test_an_expired_link_neither_resets_a_password_nor_verifies_an_email(
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    run_jobs: RunJobs,
    user: User,
    user_headers: dict[str, str],
) -> None:
    await client.post(f"{API}/auth/password-recovery", json={"email": user.email})
    await run_jobs()
    await client.post(f"{API}/users/me/email-verification", headers=user_headers)
    await run_jobs()
    reset_mail, verify_mail = smtp_server.received
    reset_token = link_token(reset_mail, "reset-password")
    verify_token = link_token(verify_mail, "verify-email")
    async with get_session_factory()() as session:
        await session.execute(
            update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()

    reset = await client.post(
        f"{API}/auth/password-reset", json={"token": reset_token, "new_password": "n3w-passw0rd"}
    )
    verified = await client.post(f"{API}/auth/verify-email", json={"token": verify_token})

    assert (reset.status_code, verified.status_code) == (422, 422)
    assert (await login(client, user.email)).status_code == 200
    stored = await fetch(User, user.id)
    assert stored is not None and stored.email_verified is False


async def test_a_mailed_link_acts_on_its_own_account_only(
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    run_jobs: RunJobs,
    user: User,
    other_user: User,
) -> None:
    await client.post(f"{API}/auth/password-recovery", json={"email": user.email})
    await run_jobs()

    reset = await client.post(
        f"{API}/auth/password-reset",
        json={
            "token": link_token(smtp_server.received[0], "reset-password"),
            "new_password": "n3w-passw0rd",
        },
    )

    assert reset.status_code == 204
    assert (await login(client, user.email, "n3w-passw0rd")).status_code == 200
    assert (await login(client, other_user.email)).status_code == 200


async def test_an_email_change_cannot_claim_another_accounts_address(
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    run_jobs: RunJobs,
    other_user: User,
    user_headers: dict[str, str],
) -> None:
    body = {"email": other_user.email, "current_password": PASSWORD}

    response = await client.patch(f"{API}/users/me", json=body, headers=user_headers)
    await run_jobs()

    assert_problem(response, 409)
    assert smtp_server.received == []

"""The generated app keeps no state in its processes: two replicas on one PostgreSQL agree.

The PostgreSQL variant is baked, migrated on a fresh database of the worker's throwaway
cluster and served by two separate uvicorn processes on their own ports, as two workers or
two replicas behind a load balancer would be. A client alternates between them: a token
issued by one is honoured by the other, a refresh token rotated by one is reused on the
other and revokes the session everywhere, a logout on one ends access on the other, and
failed logins counted by both lock the account on both.
"""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import BakeOnce
from tools.baking import run
from tools.postgres_cluster import new_database
from tools.serving import call, served

pytestmark = pytest.mark.xdist_group("replicas")

API = "/api/v1"
PASSWORD = "replica-pass-1"
MAX_FAILURES = 4


@pytest.fixture(scope="module")
def replicas(
    bake_once: BakeOnce, postgres_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """Two servers of the PostgreSQL variant on one migrated database; yields their URLs."""
    project = bake_once(database="postgresql")
    logs = tmp_path_factory.mktemp("replicas")
    url = new_database(postgres_server, "replicas")
    env = {"DATABASE_URL": url, "LOGIN_MAX_FAILURES": str(MAX_FAILURES)}
    run(project, "python", "-m", "app.cli", "migrate", env=env)
    with (
        served(project, logs / "replica-a.log", env) as first,
        served(project, logs / "replica-b.log", env) as second,
    ):
        yield first, second


def _sign_up(base: str) -> str:
    email = f"replica-{uuid.uuid4().hex[:8]}@example.com"
    status, body = call(
        "POST",
        base + f"{API}/auth/register",
        json_body={"email": email, "password": PASSWORD, "full_name": "Replica"},
    )
    assert status == 201, body
    return email


def _login(base: str, email: str, password: str = PASSWORD) -> tuple[int, Any]:
    form = {"username": email, "password": password}
    return call("POST", base + f"{API}/auth/login", form=form)


def test_the_replicas_are_two_processes(replicas: tuple[str, str]) -> None:
    first, second = replicas

    assert first != second
    assert call("GET", first + "/health")[0] == call("GET", second + "/health")[0] == 200


def test_a_token_issued_by_one_replica_works_on_the_other(replicas: tuple[str, str]) -> None:
    first, second = replicas
    email = _sign_up(first)
    status, pair = _login(first, email)
    assert status == 200, pair

    status, me = call("GET", second + f"{API}/users/me", token=pair["access_token"])

    assert (status, me["email"]) == (200, email)


def test_a_refresh_token_reused_on_the_other_replica_revokes_the_session(
    replicas: tuple[str, str],
) -> None:
    first, second = replicas
    email = _sign_up(second)
    _, pair = _login(second, email)
    refresh = {"refresh_token": pair["refresh_token"]}

    rotated_status, rotated = call("POST", first + f"{API}/auth/refresh", json_body=refresh)
    reused_status, _ = call("POST", second + f"{API}/auth/refresh", json_body=refresh)
    after_status, _ = call("GET", first + f"{API}/users/me", token=rotated["access_token"])

    assert (rotated_status, reused_status, after_status) == (200, 401, 401)


def test_a_logout_on_one_replica_ends_access_on_the_other(replicas: tuple[str, str]) -> None:
    first, second = replicas
    email = _sign_up(first)
    _, pair = _login(first, email)
    assert call("GET", second + f"{API}/users/me", token=pair["access_token"])[0] == 200

    logout = {"refresh_token": pair["refresh_token"]}
    assert call("POST", first + f"{API}/auth/logout", json_body=logout)[0] == 204

    assert call("GET", second + f"{API}/users/me", token=pair["access_token"])[0] == 401


def test_failed_logins_on_both_replicas_lock_the_account_on_both(
    replicas: tuple[str, str],
) -> None:
    first, second = replicas
    email = _sign_up(first)
    alternating = [(first, second)[n % 2] for n in range(MAX_FAILURES)]

    statuses = [_login(base, email, "wrong-password")[0] for base in alternating]

    assert statuses == [401] * MAX_FAILURES
    assert _login(first, email)[0] == _login(second, email)[0] == 429

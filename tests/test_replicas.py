"""The generated app keeps no state in its processes: two replicas on one PostgreSQL agree.

The PostgreSQL variant is baked, migrated on a throwaway cluster and served by two separate
uvicorn processes on their own ports, as two workers or two replicas behind a load balancer
would be. A client alternates between them: a token issued by one is honoured by the other,
a refresh token rotated by one is reused on the other and revokes the session everywhere,
a logout on one ends access on the other, and failed logins counted by both lock the
account on both.
"""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cookiecutter.main import cookiecutter
from psycopg import sql

from tests.baking import TEMPLATE_DIR, run
from tests.postgres_cluster import throwaway_cluster
from tests.serving import call, served

pytestmark = pytest.mark.xdist_group("replicas")

API = "/api/v1"
PASSWORD = "replica-pass-1"
MAX_FAILURES = 4


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Two servers of the PostgreSQL variant on one migrated database; yields their URLs."""
    output = tmp_path_factory.mktemp("replicas")
    project = Path(
        cookiecutter(
            str(TEMPLATE_DIR),
            no_input=True,
            output_dir=str(output),
            extra_context={"database": "postgresql"},
        )
    )
    with throwaway_cluster() as server:
        name = f"replicas_{uuid.uuid4().hex[:12]}"
        admin_url = f"{server.replace('+psycopg', '')}/postgres"
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        env = {"DATABASE_URL": f"{server}/{name}", "LOGIN_MAX_FAILURES": str(MAX_FAILURES)}
        run(project, "python", "-m", "app.cli", "migrate", env=env)
        with (
            served(project, output / "replica-a.log", env) as first,
            served(project, output / "replica-b.log", env) as second,
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

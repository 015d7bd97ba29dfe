"""/metrics: off by default; with METRICS_ENABLED, the Prometheus text format of the app.

Every figure is read by parsing the real output with prometheus_client's own parser. The
metrics belong to the process, so each test compares the figures before and after.
"""

import asyncio
import os
import platform
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import create_async_engine

from app import __version__
from app.api.metrics import UNAUTHORIZED
from app.core.config import get_settings
{%- if cookiecutter.auth == "jwt" %}
from app.core.metrics import observe_pool, render_metrics
from app.core.security import PasswordHasher
{%- else %}
from app.core.metrics import observe_pool
{%- endif %}
from app.main import create_app
from app.repositories.sql.database import get_connection_queue, get_engine
from tests.fixtures.problems import assert_problem

PROJECT = Path(__file__).resolve().parents[3]
REQUESTS = "http_server_request_duration_seconds"
TOKEN = "a-metrics-token-long-enough-for-production"


def sample(exposition: str, name: str, **labels: str) -> float:
    """The value of the sample `name` with exactly `labels` in `exposition`; 0 if none."""
    for family in text_string_to_metric_families(exposition):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return 0.0


def _app(**settings: object) -> FastAPI:
    """An app with metrics on, and a route with a path parameter."""
    app = create_app(get_settings().model_copy(update={"METRICS_ENABLED": True, **settings}))

    @app.get("/things/{thing_id}")
    async def read_thing(thing_id: int) -> dict[str, int]:
        return {"thing_id": thing_id}

    return app


@pytest.fixture(scope="module")
def metrics_app() -> FastAPI:
    """The app with metrics on, shared by the module's tests."""
    return _app()


@pytest.fixture
async def metrics_client(metrics_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on `metrics_app`."""
    transport = httpx.ASGITransport(app=metrics_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def scrape(client: httpx.AsyncClient) -> str:
    """GET /metrics: its body, in the Prometheus text format."""
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return response.text


async def test_metrics_are_off_by_default(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/metrics"), 404)


async def test_requests_are_counted_and_timed_by_route_template_and_status(
    metrics_client: httpx.AsyncClient,
) -> None:
    ok = {"method": "GET", "route": "/things/{thing_id}", "status": "200"}
    invalid = ok | {"status": "422"}
    unmatched = {"method": "GET", "route": "", "status": "404"}
    before = await scrape(metrics_client)

    for path in ("/things/1", "/things/2", "/things/not-a-number", "/no/such/route"):
        await metrics_client.get(path)
    after = await scrape(metrics_client)

    def counted(labels: dict[str, str]) -> float:
        return sample(after, f"{REQUESTS}_count", **labels) - sample(
            before, f"{REQUESTS}_count", **labels
        )

    assert (counted(ok), counted(invalid), counted(unmatched)) == (2, 1, 1)
    assert sample(after, f"{REQUESTS}_bucket", **ok, le="+Inf") == sample(
        after, f"{REQUESTS}_count", **ok
    )
    assert sample(after, f"{REQUESTS}_sum", **ok) > 0
    routes = {
        found.labels.get("route")
        for family in text_string_to_metric_families(after)
        for found in family.samples
    }
    assert routes.isdisjoint({"/things/1", "/things/2", "/things/not-a-number", "/no/such/route"})


async def test_database_connections_in_use_are_counted(
    metrics_client: httpx.AsyncClient,
) -> None:
    before = sample(await scrape(metrics_client), "db_pool_connections_in_use")

    async with get_engine().connect() as connection:
        await connection.exec_driver_sql("SELECT 1")
        during = sample(await scrape(metrics_client), "db_pool_connections_in_use")
    after = sample(await scrape(metrics_client), "db_pool_connections_in_use")

    assert (during - before, after - before) == (1, 0)


async def test_checkouts_waiting_for_a_free_connection_are_counted_after_a_dispose_too(
    metrics_client: httpx.AsyncClient,
) -> None:
    engine = create_async_engine(get_settings().DATABASE_URL, pool_size=1, max_overflow=0)
    observe_pool(engine.sync_engine)
    await engine.dispose()  # the counts carry over to the new pool

    async def pool_figures() -> tuple[float, float]:
        exposition = await scrape(metrics_client)
        return (
            sample(exposition, "db_pool_connections_in_use"),
            sample(exposition, "db_pool_checkouts_waiting"),
        )

    in_use, waiting = await pool_figures()
    try:
        async with engine.connect() as first:
            await first.exec_driver_sql("SELECT 1")
            second = asyncio.create_task(engine.connect().start())
            for _ in range(100):  # until the second checkout waits, 1 s at most
                if (await pool_figures())[1] > waiting:
                    break
                await asyncio.sleep(0.01)
            during = await pool_figures()
        await (await second).close()
        after = await pool_figures()
    finally:
        await engine.dispose()

    assert (during[0] - in_use, during[1] - waiting) == (1, 1)
    assert (after[0] - in_use, after[1] - waiting) == (0, 0)


async def test_requests_waiting_for_their_turn_at_a_connection_are_counted(
    metrics_client: httpx.AsyncClient,
) -> None:
    queue, settings = get_connection_queue(), get_settings()

    async def take_a_turn() -> None:
        async with queue:
            pass

    before = sample(await scrape(metrics_client), "db_pool_checkouts_waiting")
    async with AsyncExitStack() as every_turn:
        for _ in range(settings.DATABASE_POOL_SIZE + settings.DATABASE_MAX_OVERFLOW):
            await every_turn.enter_async_context(queue)
        waiter = asyncio.create_task(take_a_turn())
        await asyncio.sleep(0.01)  # the waiter runs up to its wait
        during = sample(await scrape(metrics_client), "db_pool_checkouts_waiting")
    await waiter
    after = sample(await scrape(metrics_client), "db_pool_checkouts_waiting")

    assert (during - before, after - before) == (1, 0)
{%- if cookiecutter.auth == "jwt" %}


async def test_password_hashes_in_flight_are_counted(metrics_app: FastAPI) -> None:
    hasher = PasswordHasher.from_settings(get_settings())
    before = sample(render_metrics().decode(), "password_hashes_in_flight")

    hashing = asyncio.create_task(hasher.hash("a password to hash"))
    await asyncio.sleep(0)  # the task enters the count, then waits for its thread
    # Read at once, without awaiting, while the hash is still in flight.
    during = sample(render_metrics().decode(), "password_hashes_in_flight")
    await hashing
    after = sample(render_metrics().decode(), "password_hashes_in_flight")

    assert (during - before, after - before) == (1, 0)
{%- endif %}


async def test_the_build_is_described(metrics_client: httpx.AsyncClient) -> None:
    exposition = await scrape(metrics_client)

    build = {"version": __version__, "python": platform.python_version()}
    assert sample(exposition, "app_build_info", **build) == 1


@pytest.fixture
async def guarded_client() -> AsyncIterator[httpx.AsyncClient]:
    """A client on an app whose /metrics needs METRICS_TOKEN."""
    transport = httpx.ASGITransport(app=_app(METRICS_TOKEN=SecretStr(TOKEN)))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.mark.parametrize(
    "authorization", [None, "", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", TOKEN, f"Basic {TOKEN}"]
)
async def test_with_a_token_metrics_answer_only_its_bearer(
    guarded_client: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}

    response = await guarded_client.get("/metrics", headers=headers)

    body = assert_problem(response, 401)
    assert body["detail"] == UNAUTHORIZED
    assert response.headers["www-authenticate"] == "Bearer"


async def test_with_a_token_metrics_answer_its_bearer(guarded_client: httpx.AsyncClient) -> None:
    response = await guarded_client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 200
    assert sample(
        response.text, "app_build_info", version=__version__, python=platform.python_version()
    )


# Serves requests through the app, with the environment the test gives it, then exits.
WORKER = """
import asyncio, sys
import httpx
from app.main import app

async def serve(count):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://worker") as client:
        for _ in range(count):
            assert (await client.get("/health/ready")).status_code == 200

asyncio.run(serve(int(sys.argv[1])))
"""


@pytest.fixture
def multiprocess_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty PROMETHEUS_MULTIPROC_DIR, also set for this process while the test runs."""
    directory = tmp_path / "prometheus"
    directory.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    return directory


@pytest.fixture
def worker_pids(multiprocess_dir: Path) -> list[int]:
    """Two processes that served 2 and 3 requests, writing into `multiprocess_dir`."""
    env = os.environ | {"METRICS_ENABLED": "true"}
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(count)], cwd=PROJECT, env=env)
        for count in (2, 3)
    ]
    assert [worker.wait(timeout=60) for worker in workers] == [0, 0]
    return [worker.pid for worker in workers]


async def test_with_several_processes_the_metrics_add_up(
    metrics_client: httpx.AsyncClient, multiprocess_dir: Path, worker_pids: list[int]
) -> None:
    # This process reads what the two wrote, as any worker's /metrics would.
    exposition = await scrape(metrics_client)

    ready = {"method": "GET", "route": "/health/ready", "status": "200"}
    assert sample(exposition, f"{REQUESTS}_count", **ready) == 2 + 3
    build = {"version": __version__, "python": platform.python_version()}
    assert sample(exposition, "app_build_info", **build) == 1
    assert sample(exposition, "db_pool_connections_in_use") == 0
    # One file per kind of metric and process, named <kind>_<pid>.db.
    writers = {name.rpartition("_")[2] for name in os.listdir(multiprocess_dir)}
    assert writers == {f"{pid}.db" for pid in worker_pids}

"""DATABASE_URL in the forms people have, through the real entry points, each in a process.

Every accepted form migrates a fresh database with `alembic upgrade head`, passes the command
line's `check-db` and serves `/health/ready`; every refused one stops them with one line that
names the setting, masks the password and lists the accepted forms.
"""

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from typer.testing import CliRunner

from app import cli
from app.core.config import Settings, get_settings
from app.core.database_url import DATABASE_URL_FORMS, MASK
from app.repositories.sql.database import create_engine
from tests.fixtures.{{ cookiecutter.database }}_database import (
    FRESH_URL_FORMS,
    REFUSED_URLS,
    fresh_url_parts,
)

PROJECT = Path(__file__).resolve().parents[2]
ALEMBIC_UPGRADE = ["-m", "alembic", "-c", str(PROJECT / "alembic.ini"), "upgrade", "head"]
# A refused URL with a password, for each entry point.
REFUSED_URL = "mysql://app:s3cret@db/app"
REFUSAL = (
    f"DATABASE_URL: 'mysql://app:{MASK}@db/app' names another database or driver; "
    f"this project needs {DATABASE_URL_FORMS}"
)


def _environment(**settings: str) -> dict[str, str]:
    """The tests' environment (no `.env`), the project importable from anywhere."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    return environment | {"PYTHONPATH": str(PROJECT)} | settings


def _run(*command: str, cwd: Path = PROJECT, **settings: str) -> subprocess.CompletedProcess[str]:
    """Run `python COMMAND...` in `cwd` with these settings, as a shell would."""
    return subprocess.run(
        [sys.executable, *command],
        cwd=cwd,
        env=_environment(**settings),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def _served(cwd: Path, **settings: str) -> AsyncIterator[httpx.AsyncClient]:
    """Serve the app with uvicorn on 127.0.0.1 in `cwd`; yield a client once it answers."""
    port = _free_port()
    log = cwd / "uvicorn.log"
    with log.open("wb") as output:
        server = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"),
            *("--port", str(port)),
            cwd=cwd,
            env=_environment(**settings),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            async with asyncio.timeout(30):
                while True:
                    assert server.returncode is None, log.read_text(encoding="utf-8")
                    with contextlib.suppress(httpx.TransportError):
                        await client.get("/health")
                        break
                    await asyncio.sleep(0.02)
            yield client
    finally:
        server.terminate()
        async with asyncio.timeout(15):
            await server.wait()


def _head() -> str | None:
    config = Config(str(PROJECT / "alembic.ini"))
    return ScriptDirectory.from_config(config).get_current_head()


async def _revision(database_url: str) -> str | None:
    engine = create_engine(Settings(_env_file=None, DATABASE_URL=database_url))
    try:
        async with engine.connect() as connection:
            return await connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        await engine.dispose()


# ---------------------------------------------------------------- accepted forms


@pytest.mark.parametrize("form", FRESH_URL_FORMS)
async def test_an_accepted_form_migrates_runs_the_command_line_and_serves(
    form: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = form.format(**fresh_url_parts(tmp_path))
    # Every process, this one included, works in tmp_path: a relative file lands there.
    monkeypatch.chdir(tmp_path)

    migrated = await asyncio.to_thread(
        _run, *ALEMBIC_UPGRADE, cwd=tmp_path, DATABASE_URL=database_url
    )
    assert migrated.returncode == 0, migrated.stderr

    async def serve() -> httpx.Response:
        async with _served(tmp_path, DATABASE_URL=database_url) as client:
            return await client.get("/health/ready")

    # Both only read the migrated database, so they run side by side.
    checked, ready = await asyncio.gather(
        asyncio.to_thread(
            _run, "-m", "app.cli", "check-db", cwd=tmp_path, DATABASE_URL=database_url
        ),
        serve(),
    )

    if _head() is not None:
        assert await _revision(database_url) == _head()
    assert (checked.returncode, checked.stdout) == (0, "database OK\n"), checked.stderr
    assert (ready.status_code, ready.json()) == (200, {"status": "ok"})


# ---------------------------------------------------------------- refused forms


def _assert_refused_in_one_line(stdout: str, stderr: str, line: str) -> None:
    assert "Traceback" not in stderr
    assert "s3cret" not in stdout + stderr
    assert stderr.strip().splitlines() == [line]


@pytest.mark.parametrize(
    ("command", "status"),
    [
        pytest.param(["-m", "uvicorn", "app.main:app", "--port", "0"], 1, id="uvicorn"),
        pytest.param(ALEMBIC_UPGRADE, 1, id="alembic"),
        pytest.param(["-m", "app.cli", "check-db"], 2, id="command line"),
{%- if cookiecutter.auth == "jwt" %}
        pytest.param(["-m", "app.initial_data"], 1, id="initial_data"),
{%- endif %}
    ],
)
def test_a_refused_form_stops_every_entry_point_in_one_line(
    command: list[str], status: int
) -> None:
    result = _run(*command, DATABASE_URL=REFUSED_URL)

    assert result.returncode == status
    _assert_refused_in_one_line(result.stdout, result.stderr, REFUSAL)


@pytest.fixture
def read_settings_again() -> Iterator[None]:
    """Make the next get_settings() read the environment again, before and after the test."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


# In this process, as the command line reads the settings on first use (cheaper than a process
# per form: the one above shows that a process says the same).
@pytest.mark.usefixtures("read_settings_again")
@pytest.mark.parametrize(("url", "problem"), REFUSED_URLS)
def test_the_command_line_exits_2_on_every_refused_form(
    url: str, problem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)

    result = CliRunner().invoke(cli.app, ["check-db"])

    assert result.exit_code == 2
    _assert_refused_in_one_line(
        result.stdout,
        result.stderr,
        f"DATABASE_URL: {problem}; this project needs {DATABASE_URL_FORMS}",
    )


@pytest.mark.usefixtures("read_settings_again")
def test_the_command_line_exits_2_on_any_invalid_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGINATION_MAX_LIMIT", "lots")

    result = CliRunner().invoke(cli.app, ["settings"])

    assert result.exit_code == 2
    assert result.stderr.startswith("PAGINATION_MAX_LIMIT: Input should be a valid integer")
    assert "lots" not in result.output
{%- if cookiecutter.database == "postgresql" %}


# ---------------------------------------------------------------- PostgreSQL only


async def test_a_platform_url_reaches_the_server_with_its_password_and_query(
    tmp_path: Path,
) -> None:
    parts = fresh_url_parts(tmp_path)
    platform_url = (
        "postgres://{user}:p%40ss%3Aw%2Frd%25@{host}:{port}/{database}"
        "?sslmode=disable&application_name=from-a-platform"
    ).format(**parts)
    engine = create_engine(Settings(_env_file=None, DATABASE_URL=platform_url))
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            info = raw.driver_connection.info  # type: ignore[union-attr]
            used = (info.user, info.password, info.host, info.port, info.dbname)
            sslmode = info.get_parameters()["sslmode"]
            name = await connection.scalar(text("SELECT current_setting('application_name')"))
    finally:
        await engine.dispose()

    assert used == (parts["user"], "p@ss:w/rd%", parts["host"], parts["port"], parts["database"])
    assert (sslmode, name) == ("disable", "from-a-platform")


def test_a_refused_test_database_url_stops_the_tests_in_one_line() -> None:
    # Without coverage, which would erase the data that this run collects.
    pytest_command = ["-m", "pytest", "-p", "no:cacheprovider", "--no-cov"]

    result = _run(*pytest_command, TEST_DATABASE_URL=REFUSED_URL)

    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    _assert_refused_in_one_line(result.stdout, result.stderr, f"ERROR: TEST_{REFUSAL}")
{%- endif %}

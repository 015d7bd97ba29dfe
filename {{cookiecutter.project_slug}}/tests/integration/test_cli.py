"""The operators' command line (app/cli.py) through typer's CliRunner, on the test database."""

import asyncio
import runpy
import sys
import threading
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from typer.testing import CliRunner, Result

from app import cli
from app.cli import show_setting
from app.core.config import Settings
from app.core.database_url import MASK
{%- if cookiecutter.auth == "jwt" %}
from app.models.mail import MailStatus
from app.models.user import User
{%- endif %}
from app.repositories.sql.database import create_engine, get_engine
{%- if cookiecutter.auth == "jwt" %}
from tests.fixtures.db import count
from tests.fixtures.outbox import outbox
{%- endif %}
{%- if cookiecutter.database == "postgresql" %}
from tests.fixtures.postgresql_database import create_test_database
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
from tests.fixtures.smtp import SmtpServer
{%- endif %}

RUNNER = CliRunner()
# When a connection fails, aiosqlite's worker thread may answer after the command's event loop
# has closed; that thread's error is not the command's, which has already exited 1.
LATE_THREAD_ERROR = pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnhandledThreadExceptionWarning"
)


async def invoke(*args: str) -> Result:
    """Run the command line in a thread of its own: it runs its own event loop, as in a shell.

    Threads the command left behind (aiosqlite's) are waited for, so that a late error of
    theirs belongs to this test and not to the next one.
    """
    await get_engine().dispose()  # share no pooled connection with the tests' event loop
    before = set(threading.enumerate())
    result = await asyncio.to_thread(RUNNER.invoke, cli.app, list(args))
    for thread in set(threading.enumerate()) - before:
        if "_connection_worker_thread" in thread.name:  # aiosqlite's, one per connection
            await asyncio.to_thread(thread.join, 5)
    return result


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> str:
    """The URL of an empty database that nothing has migrated."""
{%- if cookiecutter.database == "postgresql" %}
    return create_test_database()
{%- else %}
    return f"sqlite:///{tmp_path / 'fresh.db'}"
{%- endif %}


async def _migrated_revision(settings: Settings) -> str | None:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        await engine.dispose()


def _head() -> str | None:
    config = Config(str(cli.PROJECT_DIR / "alembic.ini"))
    return ScriptDirectory.from_config(config).get_current_head()


# ---------------------------------------------------------------- settings


async def test_settings_shows_every_setting(settings: Settings) -> None:
    result = await invoke("settings")

    assert result.exit_code == 0, result.output
    names = [line.split("=", 1)[0] for line in result.output.splitlines()]
    assert names == list(Settings.model_fields)
    assert "ENVIRONMENT=test" in result.output.splitlines()
{%- if cookiecutter.auth == "jwt" %}


async def test_settings_masks_every_secret(settings: Settings) -> None:
    result = await invoke("settings")

    lines = result.output.splitlines()
    assert f"SECRET_KEY={MASK}" in lines
    assert f"FIRST_ADMIN_PASSWORD={MASK}" in lines
    assert settings.SECRET_KEY.get_secret_value() not in result.output
    assert settings.FIRST_ADMIN_PASSWORD.get_secret_value() not in result.output
{%- endif %}


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        (
            "DATABASE_URL",
            "postgresql+psycopg://app:hunter2@db:5432/app",
            f"DATABASE_URL=postgresql+psycopg://app:{MASK}@db:5432/app",
        ),
        (
            "DATABASE_URL",
            "sqlite+aiosqlite:///./app.db",
            "DATABASE_URL=sqlite+aiosqlite:///./app.db",
        ),
        ("OTHER_URL", "not a URL", "OTHER_URL=not a URL"),
        ("DEBUG", False, "DEBUG=false"),
        ("CORS_ORIGINS", ["http://localhost:5173"], 'CORS_ORIGINS=["http://localhost:5173"]'),
        ("DATABASE_POOL_SIZE", 5, "DATABASE_POOL_SIZE=5"),
    ],
)
def test_a_setting_shows_in_env_syntax_without_its_password(
    name: str, value: object, shown: str
) -> None:
    assert show_setting(name, value) == shown


# ---------------------------------------------------------------- check-db


async def test_check_db_says_ok_when_the_database_answers() -> None:
    result = await invoke("check-db")

    assert (result.exit_code, result.output) == (0, "database OK\n")


@LATE_THREAD_ERROR
async def test_check_db_exits_1_when_the_database_does_not_answer(
    settings: Settings, unreachable_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "DATABASE_URL", unreachable_database_url)

    result = await invoke("check-db")

    assert result.exit_code == 1
    assert result.output.startswith("database unreachable: ")


async def test_check_db_exits_1_when_the_database_is_too_slow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def never_answers(settings: Settings, seconds: float) -> None:
        raise TimeoutError

    monkeypatch.setattr(cli, "_select_one", never_answers)

    result = await invoke("check-db", "--timeout", "0.5")

    assert (result.exit_code, result.output) == (
        1,
        "database unreachable: no answer within 0.5 s\n",
    )


# ---------------------------------------------------------------- migrate


async def test_migrate_brings_an_empty_database_to_the_head_revision(
    settings: Settings,
    fresh_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(settings, "DATABASE_URL", fresh_database_url)
    monkeypatch.chdir(tmp_path)  # no alembic.ini here: the project's is used

    result = await invoke("migrate")

    assert result.exit_code == 0, result.output
    # Alembic logs each revision it runs on stderr first.
    assert result.output.endswith("database migrated to head\n")
    if _head() is not None:
        assert await _migrated_revision(settings) == _head()


@LATE_THREAD_ERROR
async def test_migrate_exits_1_when_the_database_does_not_answer(
    settings: Settings, unreachable_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "DATABASE_URL", unreachable_database_url)

    result = await invoke("migrate")

    assert result.exit_code == 1
    assert result.output.startswith("migration failed: ")


async def test_migrate_exits_1_without_an_alembic_ini(tmp_path: Path) -> None:
    missing = tmp_path / "alembic.ini"

    result = await invoke("migrate", "--config", str(missing))

    assert result.exit_code == 1
    assert result.output == f"no alembic.ini at {missing}: pass --config\n"
{%- if cookiecutter.auth == "jwt" %}


# ---------------------------------------------------------------- create-admin


async def test_create_admin_creates_the_first_admin_once(settings: Settings) -> None:
    first = await invoke("create-admin")
    second = await invoke("create-admin")

    assert (first.exit_code, first.output) == (0, f"Created admin {settings.FIRST_ADMIN_EMAIL}\n")
    assert (second.exit_code, second.output) == (
        0,
        f"Kept existing admin {settings.FIRST_ADMIN_EMAIL}\n",
    )
    assert await count(User) == 1


async def test_create_admin_takes_the_email_and_password_as_options() -> None:
    result = await invoke(
        "create-admin", "--email", "Ops@Example.com", "--password", "another-pass-2"
    )

    assert (result.exit_code, result.output) == (0, "Created admin ops@example.com\n")


async def test_create_admin_exits_1_naming_what_the_policy_rejects() -> None:
    result = await invoke("create-admin", "--password", "short")

    assert result.exit_code == 1
    assert result.output.startswith("admin rejected: password: ")
    assert await count(User) == 0


async def test_create_admin_exits_1_when_the_database_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def refused(email: str | None, password: str | None) -> str:
        raise OSError("connection refused")

    monkeypatch.setattr(cli, "create_first_admin", refused)

    result = await invoke("create-admin")

    assert (result.exit_code, result.output) == (
        1,
        "database error: connection refused (is it migrated? run `migrate` first)\n",
    )


# ---------------------------------------------------------------- check-mail and worker


async def test_check_mail_sends_it_at_once(
    smtp_server: SmtpServer, mail_settings: Settings
) -> None:
    result = await invoke("check-mail", "ops@example.com")

    (mail,) = await outbox()
    assert (result.exit_code, result.stdout) == (
        0,
        f"mail {mail.id} to ops@example.com sent through 127.0.0.1:{smtp_server.port}\n",
    )
    (received,) = smtp_server.received
    assert received.recipients == ["ops@example.com"]
    assert received.message["Subject"] == f"Test mail from {mail_settings.PROJECT_NAME}"


async def test_check_mail_exits_1_and_leaves_the_mail_to_the_workers_when_smtp_is_down(
    smtp_server: SmtpServer, mail_settings: Settings
) -> None:
    await smtp_server.stop()

    result = await invoke("check-mail", "ops@example.com")

    (mail,) = await outbox()
    outcome = result.stderr.splitlines()[-1]
    assert result.exit_code == 1
    assert outcome.startswith(f"mail {mail.id} to ops@example.com not sent yet: SMTPConnectError: ")
    assert "; the workers try again from " in outcome
    assert (mail.status, mail.attempts) == (MailStatus.PENDING, 1)


async def test_check_mail_refuses_a_malformed_address_and_queues_nothing() -> None:
    result = await invoke("check-mail", "ops@@example.com")

    assert result.exit_code == 2
    assert result.stderr.startswith("ADDRESS 'ops@@example.com': value is not a valid email")
    assert len(result.stderr.splitlines()) == 1
    assert await outbox() == []


async def test_worker_refuses_an_unknown_queue() -> None:
    result = await invoke("worker", "--queue", "mail", "--queue", "reports")

    assert (result.exit_code, result.stderr) == (
        2,
        "--queue 'reports' is not one of mail, housekeeping\n",
    )
{%- endif %}


# ---------------------------------------------------------------- the command line itself


async def test_an_unknown_command_is_a_usage_error() -> None:
    result = await invoke("no-such-command")

    assert result.exit_code == 2


def test_an_error_without_a_message_is_named_by_its_class() -> None:
    assert cli._first_line(TimeoutError()) == "TimeoutError"


async def test_python_m_app_cli_runs_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["app.cli", "check-db"])
    await get_engine().dispose()

    def run() -> object:
        try:
            runpy.run_path(cli.__file__, run_name="__main__")
        except SystemExit as exit_:
            return exit_.code
        return None

    assert await asyncio.to_thread(run) == 0

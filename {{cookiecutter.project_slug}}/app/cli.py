"""The operators' command line: `{{ cookiecutter.project_slug }} COMMAND`, or `python -m app.cli COMMAND`.

Commands:
{%- if cookiecutter.auth == "jwt" %}
  create-admin  create the first admin (FIRST_ADMIN_EMAIL and FIRST_ADMIN_PASSWORD, or options)
  worker        run the background jobs (mail delivery, clean-up) until stopped
  check-mail    queue a test mail and try to send it at once: checks the mail settings
{%- endif %}
  settings      show the effective settings, secrets masked
  migrate       apply every migration (alembic upgrade head)
  check-db      connect to the database and run SELECT 1
  new-resource  add a resource to every layer, with its migration and tests

Exit codes, for scripts: 0 done, 1 failed (the reason is printed on stderr, e.g. an
unreachable database, a rejected admin), 2 wrong usage (no command, an unknown command or
option, a bad value, invalid settings: each named on stderr).
Like `app/initial_data.py`, this module sits outside the layers and wires them together.
"""

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from alembic import command
from alembic.config import Config
from alembic.util import CommandError
{%- if cookiecutter.auth == "jwt" %}
from pydantic import SecretStr, ValidationError
{%- endif %}
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.config import Settings, get_settings
from app.core.database_url import {% if cookiecutter.auth == "jwt" %}MASK, {% endif %}mask_password
{%- if cookiecutter.auth == "jwt" %}
from app.core.logging import configure_logging
from app.initial_data import create_first_admin
from app.jobs.tasks import Attempt, deliver_mail
from app.models.mail import MailStatus
{%- endif %}
from app.repositories.sql.database import create_engine{% if cookiecutter.auth == "jwt" %}, get_engine, get_session_factory{% endif %}
{%- if cookiecutter.auth == "jwt" %}
from app.repositories.sql.unit_of_work import SqlUnitOfWork
from app.services.mail_check import MailCheckService
{%- endif %}

# The folder that holds app/ and, in a source checkout, alembic.ini.
PROJECT_DIR = Path(__file__).resolve().parents[1]

app = typer.Typer(
{%- if cookiecutter.auth == "jwt" %}
    help="Operate the backend: settings, migrations, database check, first admin.",
{%- else %}
    help="Operate the backend: settings, migrations, database check.",
{%- endif %}
    no_args_is_help=True,
    add_completion=False,
    # Local variables can hold secrets: tracebacks never show them.
    pretty_exceptions_show_locals=False,
)


def _fail(message: str) -> typer.Exit:
    """Print `message` on stderr; return the exit with code 1, for the caller to raise."""
    typer.echo(message, err=True)
    return typer.Exit(code=1)


def _settings() -> Settings:
    """The settings; invalid ones are a wrong value given to the command: exit 2, naming each."""
    try:
        return get_settings()
    except SystemExit as invalid:  # what get_settings() raises, with the message
        typer.echo(invalid.code, err=True)
        raise typer.Exit(code=2) from None


def _first_line(error: BaseException) -> str:
    """The first line of an error's message, which names the cause without a traceback."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def show_setting(name: str, value: Any) -> str:
    """One setting as `NAME=value`, in `.env` syntax, with secrets and passwords masked."""
{%- if cookiecutter.auth == "jwt" %}
    if isinstance(value, SecretStr):
        return f"{name}={MASK}"
{%- endif %}
    if name.endswith("_URL") and isinstance(value, str):
        return f"{name}={mask_password(value)}"
    if isinstance(value, bool):
        return f"{name}={str(value).lower()}"
    if isinstance(value, list | dict):
        return f"{name}={json.dumps(value)}"
    return f"{name}={value}"
{%- if cookiecutter.auth == "jwt" %}


@app.command("create-admin")
def create_admin(
    email: Annotated[
        str | None, typer.Option(help="The admin's email [default: FIRST_ADMIN_EMAIL]")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            help="The admin's password [default: FIRST_ADMIN_PASSWORD]. A password given here "
            "shows in the process list and the shell history: prefer the setting."
        ),
    ] = None,
) -> None:
    """Create the first admin; an existing account with that email is kept as it is."""
    _settings()
    try:
        typer.echo(asyncio.run(create_first_admin(email, password)))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, problem['loc'])) or 'value'}: {problem['msg']}"
            for problem in error.errors(include_url=False, include_input=False)
        )
        raise _fail(f"admin rejected: {problems}") from None
    except (SQLAlchemyError, OSError) as error:
        raise _fail(
            f"database error: {_first_line(error)} (is it migrated? run `migrate` first)"
        ) from None


@app.command("worker")
def worker(
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Jobs at once [default: JOBS_CONCURRENCY]")
    ] = None,
    queue: Annotated[
        list[str] | None,
        typer.Option(help="Only this queue's jobs, repeated: mail, housekeeping [default: all]"),
    ] = None,
) -> None:
    """Run the background jobs until SIGTERM or SIGINT; run several for more throughput."""
    from app.jobs.{{ cookiecutter.database }}_worker import QUEUES, run_worker

    settings = _settings()
    unknown = sorted(set(queue or ()) - set(QUEUES))
    if unknown:
        typer.echo(f"--queue {unknown[0]!r} is not one of {', '.join(QUEUES)}", err=True)
        raise typer.Exit(code=2)
    configure_logging(settings)
    asyncio.run(
        run_worker(
            settings, concurrency=concurrency or settings.JOBS_CONCURRENCY, queues=queue or QUEUES
        )
    )


async def _check_mail(address: str, settings: Settings) -> Attempt:
    """Queue the test mail, then make its first attempt here rather than in a worker."""
    try:
        mail_id = await MailCheckService(SqlUnitOfWork(get_session_factory())).request(address)
        return await deliver_mail(mail_id, settings, get_session_factory())
    finally:
        await get_engine().dispose()


@app.command("check-mail")
def check_mail(
    address: Annotated[str, typer.Argument(help="The address to send the test mail to")],
) -> None:
    """Queue a test mail to ADDRESS and try to send it at once, through the mail settings.

    Exit 0 once it is handed over; 1 if this attempt failed (the reason is printed; the
    workers try again as for any mail).
    """
    settings = _settings()
    try:
        attempt = asyncio.run(_check_mail(address, settings))
    except ValidationError as error:
        reason = error.errors(include_url=False, include_input=False)[0]["msg"]
        typer.echo(f"ADDRESS {address!r}: {reason}", err=True)
        raise typer.Exit(code=2) from None
    except (SQLAlchemyError, OSError) as error:
        raise _fail(
            f"database error: {_first_line(error)} (is it migrated? run `migrate` first)"
        ) from None
    mail = f"mail {attempt.mail_id} to {address}"
    if attempt.status == MailStatus.FAILED:
        raise _fail(f"{mail} given up: {attempt.error}")
    if attempt.status != MailStatus.SENT:
        raise _fail(
            f"{mail} not sent yet: {attempt.error}; "
            f"the workers try again from {attempt.retry_at:%H:%M:%S} UTC"
        )
    typer.echo(f"{mail} sent through {attempt.sent_to}")
{%- endif %}


@app.command("settings")
def show_settings() -> None:
    """Show the effective settings (environment, then .env, then defaults), secrets masked."""
    settings = _settings()
    for name in type(settings).model_fields:
        typer.echo(show_setting(name, getattr(settings, name)))


def _alembic_ini(config: Path | None) -> Path:
    """The alembic.ini to use: `config`, else the working directory's, else the checkout's."""
    candidates = [config] if config else [Path.cwd() / "alembic.ini", PROJECT_DIR / "alembic.ini"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise _fail(f"no alembic.ini at {' or '.join(map(str, candidates))}: pass --config")


@app.command("migrate")
def migrate(
    config: Annotated[
        Path | None, typer.Option(help="alembic.ini [default: ./alembic.ini, else the project's]")
    ] = None,
) -> None:
    """Apply every migration that the database lacks (alembic upgrade head)."""
    _settings()
    ini = _alembic_ini(config)
    try:
        command.upgrade(Config(str(ini)), "head")
    except (CommandError, SQLAlchemyError, OSError) as error:
        raise _fail(f"migration failed: {_first_line(error)}") from None
    typer.echo("database migrated to head")


async def _select_one(settings: Settings, seconds: float) -> None:
    """Connect with the app's settings and run SELECT 1, in at most `seconds`."""
    engine = create_engine(settings)
    try:
        async with asyncio.timeout(seconds), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


@app.command("check-db")
def check_db(
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait for an answer")] = 5.0,
) -> None:
    """Connect to DATABASE_URL and run SELECT 1: exit 0 if it answers, 1 if not."""
    settings = _settings()
    try:
        asyncio.run(_select_one(settings, timeout))
    except TimeoutError:
        raise _fail(f"database unreachable: no answer within {timeout:g} s") from None
    except (SQLAlchemyError, OSError) as error:
        raise _fail(f"database unreachable: {_first_line(error)}") from None
    typer.echo("database OK")


@app.command("new-resource")
def new_resource(
    name: Annotated[str, typer.Argument(help="A singular snake_case noun: note, purchase_order")],
    field: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            help="name:type, repeated; a trailing ? makes it optional. Types: str(N), text, "
            "int, float, bool, decimal(P,S), date, datetime, uuid",
        ),
    ] = None,
    plural: Annotated[
        str | None, typer.Option(help="The plural, where adding -s or -es gets it wrong")
    ] = None,
    public: Annotated[
        bool,
        typer.Option(
            "--public", help="No owner: anyone reads it; changing it needs <plural>:manage"
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be written, and write nothing")
    ] = False,
) -> None:
    """Add a resource to every layer, with its migration and its tests, like `items`."""
    from app.scaffold import generate
    from app.scaffold.edits import EditError
    from app.scaffold.spec import SpecError, parse_resource

    try:
        auth = generate.Project(PROJECT_DIR).settings.get("auth")
        resource = parse_resource(
            name, field or [], plural=plural, public=public, auth=auth == "jwt"
        )
        changes = generate.plan(PROJECT_DIR, resource)
    except (OSError, ValueError) as error:
        # SpecError is a ValueError: a name, field or clash the generator refuses.
        code = 2 if isinstance(error, SpecError) else 1
        typer.echo(f"new-resource: {error}; nothing was written", err=True)
        raise typer.Exit(code) from None
    except EditError as error:
        raise _fail(f"new-resource: cannot edit {error}; nothing was written") from None
    verb = ("would create", "would edit") if dry_run else ("created", "edited")
    for change in changes:
        if change.created:
            typer.echo(f"{verb[0]} {change.path}")
        else:
            typer.echo(f"{verb[1]} {change.path}: {'; '.join(change.places)}")
    if dry_run:
        return
    generate.write(PROJECT_DIR, changes)
    typer.echo(
        f"Review the new files, then run `make migrate` and `make check`; the API of "
        f"/{resource.path} is in /docs."
    )


if __name__ == "__main__":
    app()

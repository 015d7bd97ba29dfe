"""procrastinate's schema, as revision 0003_job_queue makes it from the package's migrations,
is the schema that the installed package expects (its own schema.sql, which the tests use)."""

import asyncio
from pathlib import Path
from types import ModuleType

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from procrastinate.schema import SchemaManager
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.repositories.sql.database import get_engine
from tests.fixtures.postgresql_database import create_test_database

PROJECT = Path(__file__).resolve().parents[2]
CATALOG = {
    "columns": """SELECT table_name, column_name, data_type, is_nullable, column_default
        FROM information_schema.columns WHERE table_name LIKE 'procrastinate%'""",
    "functions": """SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid) FROM pg_proc p
        WHERE p.proname LIKE 'procrastinate%' AND p.prokind = 'f'""",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'procrastinate%'",
    "triggers": """SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger
        WHERE NOT tgisinternal AND tgname LIKE 'procrastinate%'""",
    "enums": """SELECT t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
        FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid GROUP BY t.typname""",
}


def _revision() -> ModuleType:
    config = Config(str(PROJECT / "alembic.ini"))
    script = ScriptDirectory.from_config(config).get_revision("0003_job_queue")
    assert script is not None
    return script.module


def _catalog(url: str) -> dict[str, list[tuple[object, ...]]]:
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq) as connection:
        return {
            name: sorted(connection.execute(query).fetchall()) for name, query in CATALOG.items()
        }


def test_procrastinate_ships_no_migration_that_the_revisions_do_not_apply() -> None:
    revision = _revision()
    shipped = revision.migrations((99, 0, 0))

    assert shipped == revision.migrations(revision.UP_TO), (
        "this procrastinate has migrations newer than 0003_job_queue applies: add a revision "
        "that applies them, as 0003_job_queue does"
    )


async def test_the_revision_makes_the_schema_procrastinate_expects(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    tests_database = settings.DATABASE_URL
    migrated = create_test_database()
    monkeypatch.setattr(settings, "DATABASE_URL", migrated)
    await get_engine().dispose()  # env.py opens its own engine, in its own event loop

    await asyncio.to_thread(command.upgrade, Config(str(PROJECT / "alembic.ini")), "head")

    assert SchemaManager.get_schema()  # the tests' database was made from it
    assert _catalog(migrated) == _catalog(tests_database)

"""The job queue: procrastinate's tables and functions, as its own migrations make them.

procrastinate ships its schema as SQL migrations (`procrastinate schema --migrations-path`).
This revision applies, in order, every one of them up to version 3.10, read from the
installed package, so a database made today is the same as one made with 3.10. When a newer
procrastinate ships new migrations, the bound in pyproject.toml moves and a new revision
applies those, as this one does; tests/integration/test_job_queue_schema.py says when.

Revision ID: 0003_job_queue
Revises: 0002_account_mail
"""

from collections.abc import Sequence
from importlib import resources

from alembic import op

revision: str = "0003_job_queue"
down_revision: str | None = "0002_account_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The last procrastinate version whose migrations this revision applies.
UP_TO = (3, 10, 0)


def migrations(up_to: tuple[int, int, int]) -> list[str]:
    """The SQL of procrastinate's migrations up to version `up_to`, in their order."""
    folder = resources.files("procrastinate.sql.migrations")
    names = sorted(
        entry.name
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
        and tuple(int(part) for part in entry.name[:8].split(".")) <= up_to
    )
    return [(folder / name).read_text(encoding="utf-8") for name in names]


def _run(script: str) -> None:
    # Straight to psycopg, without parameters: the scripts hold `%` signs and many statements.
    op.get_bind().connection.cursor().execute(script)


def upgrade() -> None:
    """Create procrastinate's objects, committing each migration as procrastinate expects.

    A migration may add a value to an enum type that a later one uses, which PostgreSQL
    allows only once the first is committed.
    """
    with op.get_context().autocommit_block():
        for script in migrations(UP_TO):
            _run(script)


# Every object procrastinate made is named procrastinate_*; dropping its tables takes their
# triggers, indexes and sequences along.
DROP_ALL = r"""
DO $$
DECLARE
    found record;
BEGIN
    FOR found IN
        SELECT tablename FROM pg_tables
        WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\_%'
    LOOP
        EXECUTE format('DROP TABLE %I CASCADE', found.tablename);
    END LOOP;
    FOR found IN
        SELECT p.oid::regprocedure AS signature FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\_%'
    LOOP
        EXECUTE format('DROP FUNCTION %s CASCADE', found.signature);
    END LOOP;
    FOR found IN
        SELECT t.typname FROM pg_type t
        JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\_%'
            AND t.typtype IN ('c', 'e')
    LOOP
        EXECUTE format('DROP TYPE %I CASCADE', found.typname);
    END LOOP;
END $$;
"""


def downgrade() -> None:
    """Drop procrastinate's objects."""
    _run(DROP_ALL)

"""Database chores of the benchmark, run by the baked project's own interpreter.

The harness itself needs no database driver: it runs this script with the project's
virtual environment, which has SQLAlchemy and the variant's driver (psycopg or
aiosqlite; the standard library's sqlite3 for synchronous SQLite). Plain SQL on the
`item` table, so nothing here imports the app. Each command prints one JSON object.

    python dbtool.py create-database URL NAME   # on a PostgreSQL server
    python dbtool.py seed URL OWNER_ID COUNT    # insert COUNT items for OWNER_ID
    python dbtool.py count URL OWNER_ID         # rows and benchmark titles of OWNER_ID
"""

import argparse
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

ITEM = sa.table(
    "item",
    sa.column("id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("description", sa.String),
    sa.column("owner_id", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
# Titles that the POST scenario writes (see lua/item_create.lua).
BENCH_TITLE = "bench-%"


def engine(url: str) -> sa.Engine:
    """A synchronous engine for the app's async URL (same server, sync driver)."""
    parsed = sa.make_url(url)
    if parsed.drivername.startswith("sqlite"):
        parsed = parsed.set(drivername="sqlite")
    return sa.create_engine(parsed)


def create_database(server_url: str, name: str) -> dict[str, Any]:
    """Create database `name` on the PostgreSQL server of `server_url`."""
    with engine(server_url).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return {"created": name}


def seed(url: str, owner_id: int, count: int) -> dict[str, Any]:
    """Insert `count` items owned by `owner_id` in one transaction; return their id range."""
    now = datetime.now(UTC)
    rows = [
        {
            "title": f"Item {n}",
            "description": "Seeded by the benchmark.",
            "owner_id": owner_id,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(1, count + 1)
    ]
    with engine(url).begin() as conn:
        before = conn.scalar(sa.select(sa.func.coalesce(sa.func.max(ITEM.c.id), 0)))
        conn.execute(sa.insert(ITEM), rows)
        low, high, total = conn.execute(
            sa.select(sa.func.min(ITEM.c.id), sa.func.max(ITEM.c.id), sa.func.count()).where(
                ITEM.c.owner_id == owner_id, ITEM.c.id > before
            )
        ).one()
    return {"min_id": low, "max_id": high, "inserted": total}


def count(url: str, owner_id: int) -> dict[str, Any]:
    """Count the rows of `owner_id`, and the benchmark titles among them (all, distinct)."""
    bench = ITEM.c.title.like(BENCH_TITLE)
    with engine(url).connect() as conn:
        rows, titles, distinct = conn.execute(
            sa.select(
                sa.func.count(),
                sa.func.count().filter(bench),
                sa.func.count(sa.distinct(ITEM.c.title)).filter(bench),
            ).where(ITEM.c.owner_id == owner_id)
        ).one()
    return {"rows": rows, "bench_titles": titles, "distinct_bench_titles": distinct}


def main() -> None:
    """Parse the command line, run one command, print its JSON answer."""
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-database")
    create.add_argument("url")
    create.add_argument("name")
    seeder = commands.add_parser("seed")
    seeder.add_argument("url")
    seeder.add_argument("owner_id", type=int)
    seeder.add_argument("count", type=int)
    counter = commands.add_parser("count")
    counter.add_argument("url")
    counter.add_argument("owner_id", type=int)
    args = parser.parse_args()
    if args.command == "create-database":
        answer = create_database(args.url, args.name)
    elif args.command == "seed":
        answer = seed(args.url, args.owner_id, args.count)
    else:
        answer = count(args.url, args.owner_id)
    print(json.dumps(answer))


if __name__ == "__main__":
    main()

"""What the app sets up on every SQLite connection."""

from sqlalchemy import text

from app.repositories.sql.database import get_engine


async def test_sqlite_connections_enforce_foreign_keys() -> None:
    async with get_engine().connect() as connection:
        enabled = await connection.scalar(text("PRAGMA foreign_keys"))

    assert enabled == 1

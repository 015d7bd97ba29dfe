"""Alembic's entry point: runs migrations on the app's own database, asynchronously."""

import asyncio
from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel.sql.sqltypes import AutoString

from app.core.config import get_settings
from app.models.base import metadata
from app.models.mixins import UTCDateTime
from app.repositories.sql.database import create_engine

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

settings = get_settings()


def _render_item(kind: str, obj: Any, _: Any) -> str | bool:
    # Write the app's column types as plain SQLAlchemy types, so that revisions do not
    # import app code that may change after they are written.
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if kind == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False
{%- if cookiecutter.database == "postgresql" and cookiecutter.auth == "jwt" %}


def _include_name(name: str | None, type_: str, _: Any) -> bool:
    # procrastinate's tables come from revision 0003_job_queue, not from the models.
    return not (type_ == "table" and (name or "").startswith("procrastinate_"))
{%- endif %}


def _configure(connection: Connection | None = None) -> None:
    context.configure(
        connection=connection,
        url=None if connection is not None else settings.DATABASE_URL,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode recreates the table instead.
        render_as_batch=settings.is_sqlite,
        compare_type=True,
        render_item=_render_item,
{%- if cookiecutter.database == "postgresql" and cookiecutter.auth == "jwt" %}
        include_name=_include_name,
{%- endif %}
        literal_binds=connection is None,
    )


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_engine(settings)
    async with engine.connect() as connection:
        await connection.run_sync(_run_sync)
    await engine.dispose()


if context.is_offline_mode():
    _configure()
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())

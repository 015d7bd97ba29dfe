"""Turning unique-key clashes into domain errors."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import ConflictError


async def flush_or_conflict(session: AsyncSession, detail: str) -> None:
    """Flush `session`; a constraint violation becomes a ConflictError with `detail`.

    The database's unique constraints decide races that a read-then-write check cannot.
    """
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise ConflictError(detail) from exc

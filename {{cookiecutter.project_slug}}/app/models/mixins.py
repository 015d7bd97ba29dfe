"""Columns that many tables share."""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.utils.time import utcnow


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware timestamp that reads back as UTC on every database.

    SQLite stores no offset, so values are normalised to UTC on the way in and
    marked as UTC on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        """Store datetimes as UTC; a naive one is taken to be UTC already."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        """Return stored datetimes as aware UTC values, whatever the session's time zone."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class IdMixin(SQLModel):
    """An integer primary key assigned by the database."""

    # None until the row is stored. Typed `int`, since code reads ids only of stored rows:
    # the annotation spares every use an `is not None` check.
    id: int = Field(default=None, primary_key=True)


class TimestampMixin(SQLModel):
    """When a row was created and last updated, in UTC."""

    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        nullable=False,
        sa_column_kwargs={"onupdate": utcnow},
    )
{%- if cookiecutter.auth == "jwt" %}


class OwnerMixin(SQLModel):
    """The user a row belongs to; deleting the user deletes their rows."""

    owner_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
{%- endif %}

"""The columns that tables share: ids, and timestamps that are UTC on every database."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.engine.default import DefaultDialect

from app.models.mixins import IdMixin, TimestampMixin, UTCDateTime

PARIS_SUMMER = timezone(timedelta(hours=2))
DIALECT = DefaultDialect()


@pytest.fixture
def column() -> UTCDateTime:
    """The timestamp column type."""
    return UTCDateTime()


def test_an_aware_time_is_stored_as_the_same_instant_in_utc(column: UTCDateTime) -> None:
    stored = column.process_bind_param(datetime(2030, 6, 1, 12, tzinfo=PARIS_SUMMER), DIALECT)

    assert stored == datetime(2030, 6, 1, 10, tzinfo=UTC)
    assert stored is not None and stored.tzinfo == UTC


def test_a_naive_time_is_stored_as_utc(column: UTCDateTime) -> None:
    stored = column.process_bind_param(datetime(2030, 6, 1, 12), DIALECT)

    assert stored == datetime(2030, 6, 1, 12, tzinfo=UTC)


def test_a_naive_stored_time_reads_back_as_utc(column: UTCDateTime) -> None:
    read = column.process_result_value(datetime(2030, 6, 1, 12), DIALECT)

    assert read == datetime(2030, 6, 1, 12, tzinfo=UTC)
    assert read is not None and read.tzinfo == UTC


def test_a_stored_time_in_another_zone_reads_back_in_utc(column: UTCDateTime) -> None:
    read = column.process_result_value(datetime(2030, 6, 1, 12, tzinfo=PARIS_SUMMER), DIALECT)

    assert read is not None and read.tzinfo == UTC
    assert read.hour == 10


def test_no_time_stays_no_time(column: UTCDateTime) -> None:
    assert column.process_bind_param(None, DIALECT) is None
    assert column.process_result_value(None, DIALECT) is None


def test_a_new_row_has_no_id_until_the_database_gives_it_one() -> None:
    assert IdMixin().id is None


def test_a_new_row_is_stamped_now_in_utc() -> None:
    before = datetime.now(UTC)

    row = TimestampMixin()

    assert row.created_at.tzinfo == UTC
    assert before <= row.created_at <= datetime.now(UTC)
    assert row.updated_at >= row.created_at

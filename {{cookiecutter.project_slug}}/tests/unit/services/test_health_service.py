"""HealthService: readiness follows whether the database answers."""

from app.services.health import HealthService
from tests.fixtures.fakes import FakeUnitOfWork


async def test_ready_when_the_database_answers(health_service: HealthService) -> None:
    assert await health_service.is_ready() is True


async def test_not_ready_when_the_database_does_not_answer(
    health_service: HealthService, fake_uow: FakeUnitOfWork
) -> None:
    fake_uow.reachable = False

    assert await health_service.is_ready() is False

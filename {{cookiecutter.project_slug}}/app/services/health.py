"""Whether the app can serve requests."""

from app.repositories.unit_of_work import UnitOfWork


class HealthService:
    """Answers readiness probes."""

    def __init__(self, uow: UnitOfWork) -> None:
        """Use `uow` to reach the database."""
        self.uow = uow

    async def is_ready(self) -> bool:
        """Tell whether the database answers."""
        return await self.uow.ping()

"""Liveness and readiness probes, outside the versioned API."""

from fastapi import APIRouter

from app.api.deps import HealthServiceDep
from app.core.errors import ServiceUnavailableError, error_responses
from app.schemas.common import Status

router = APIRouter(prefix="/health", tags=["health"])


@router.get("", summary="Liveness probe")
async def liveness() -> Status:
    """Answer 200 while the process serves requests."""
    return Status(status="ok")


@router.get("/ready", summary="Readiness probe", responses=error_responses(503))
async def readiness(health: HealthServiceDep) -> Status:
    """Answer 200 when the database answers, 503 (with `Retry-After`) otherwise."""
    if not await health.is_ready():
        raise ServiceUnavailableError("The database does not answer.")
    return Status(status="ok")

"""Liveness and readiness probes, outside the versioned API."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.api.deps import HealthServiceDep
from app.schemas.common import Status

router = APIRouter(prefix="/health", tags=["health"])


@router.get("", summary="Liveness probe")
async def live() -> Status:
    """Answer 200 while the process serves requests."""
    return Status(status="ok")


@router.get(
    "/ready",
    summary="Readiness probe",
    response_model=Status,
    responses={503: {"model": Status, "description": "The database does not answer."}},
)
async def ready(health: HealthServiceDep) -> Status | JSONResponse:
    """Answer 200 when the database answers, 503 otherwise."""
    if await health.is_ready():
        return Status(status="ok")
    return JSONResponse({"status": "unavailable"}, status_code=503)

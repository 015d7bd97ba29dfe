"""GET /metrics, in the Prometheus text format: `create_app` adds it with METRICS_ENABLED."""

import hmac

from fastapi import APIRouter, Request, Response

from app.core.errors import problem_response
from app.core.metrics import CONTENT_TYPE, render_metrics

UNAUTHORIZED = "/metrics needs the header Authorization: Bearer <METRICS_TOKEN>."


def metrics_router(token: str) -> APIRouter:
    """The route; with a `token`, it answers only `Authorization: Bearer <token>`."""
    router = APIRouter()
    expected = f"Bearer {token}".encode()

    # A plain `def`, run in the thread pool: in multiprocess mode a scrape reads files.
    @router.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        """The metrics of this process, or of every worker in multiprocess mode."""
        sent = request.headers.get("authorization", "").encode()
        if token and not hmac.compare_digest(sent, expected):
            return problem_response(401, UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
        return Response(render_metrics(), media_type=CONTENT_TYPE)

    return router

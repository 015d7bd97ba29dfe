"""The ASGI application: `uvicorn app.main:app`.

Tracing, metrics and error reporting are configured here, once, from the settings; each
module of theirs (and so its libraries) is imported only when its setting is on, so that
off costs neither import time nor work per request.
"""

import gc

# The imports below make a few hundred thousand objects, nearly all of which live as long
# as the process. Collecting garbage among them while they are made took a tenth of the
# start-up, and found none: the collector waits until they are made, then they are frozen.
_collecting = gc.isenabled()
gc.disable()

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.telemetry import TelemetryConfig
from starlette.types import ASGIApp

from app import __version__
from app.api import health, openapi
from app.api.docs import add_docs
from app.api.v1.router import api_router
from app.core.config import API_V1_PREFIX, Settings, get_settings
from app.core.errors import error_responses, register_error_handlers
from app.core.logging import configure_logging
from app.core.middleware import (
    BodySizeLimitMiddleware,
    RequestLogMiddleware,
    SecurityHeadersMiddleware,
    TrustedHostMiddleware,
)
{%- if cookiecutter.auth == "jwt" %}
from app.jobs.{{ cookiecutter.database }}_worker import run_in_process
{%- endif %}
from app.repositories.sql.database import get_connection_queue, get_engine

logger = logging.getLogger(__name__)


class _App(FastAPI):
    """FastAPI with the request log and the security headers outside all of its layers.

    Starlette puts its ServerErrorMiddleware, which answers unexpected errors with a 500,
    outside every middleware of `add_middleware`; wrapping the whole stack gives those 500s
    a request id and the security headers as well.
    """

    def __init__(self, *, hsts_seconds: int, **kwargs: Any) -> None:
        """Create the app; `hsts_seconds` > 0 adds Strict-Transport-Security."""
        super().__init__(**kwargs)
        self.hsts_seconds = hsts_seconds

    def build_middleware_stack(self) -> ASGIApp:
        """The usual stack, inside the request log and the security headers."""
        stack = super().build_middleware_stack()
        return RequestLogMiddleware(SecurityHeadersMiddleware(stack, self.hsts_seconds))

    def openapi(self) -> dict[str, Any]:
        """FastAPI's document, completed once by the conventions of `app.api.openapi`."""
        if not self.openapi_schema:
            self.openapi_schema = openapi.complete(super().openapi())
        return self.openapi_schema


@asynccontextmanager
async def _lifespan({{ "app" if cookiecutter.auth == "jwt" else "_" }}: FastAPI) -> AsyncIterator[None]:
    # What the start-up made lives as long as the process, as what the imports made does
    # (frozen below). Frozen, it is out of the garbage collector's way: each full collection
    # walked all of it again, which under load took 100-200 ms every few seconds, stalling
    # every request in flight.
    gc.freeze()
{%- if cookiecutter.auth == "jwt" %}
    # With JOBS_IN_PROCESS, this process runs the background jobs too (app/jobs).
    async with run_in_process(app.state.settings):
        yield
{%- else %}
    yield
{%- endif %}
    await get_engine().dispose()


def _telemetry(settings: Settings) -> TelemetryConfig:
    """FastAPI's own telemetry: request spans and request metrics, each only when on.

    A signal left on without a provider would make FastAPI look up OpenTelemetry's global
    one on every request, so what is off is off, and what is on gets its provider here.
    FastAPI's OpenTelemetry logs stay off: the app's logging and Sentry cover errors. So do
    its operation spans (dependencies, endpoint, serialization, under each request's): they
    cost about as much CPU as all the other spans of a request together.
    """
    telemetry: TelemetryConfig = {
        "tracing": False,
        "metrics": False,
        "logs": False,
        "operation_spans": False,
        "auto_configure": False,
    }
    if settings.TRACING_ENABLED:
        from app.core.tracing import configure_tracing

        env_file = Settings.model_config.get("env_file")
        telemetry["tracing"] = True
        telemetry["tracer_provider"] = configure_tracing(
            __version__, get_engine(), str(env_file) if env_file else None
        )
    if settings.METRICS_ENABLED:
        from app.core.metrics import POOL_WAITING, configure_metrics

        telemetry["metrics"] = True
        telemetry["meter_provider"] = configure_metrics(
            settings, __version__, get_engine().sync_engine
        )
        # Requests wait for a connection in the queue, before the pool (which then never
        # makes them wait): the same gauge counts them.
        get_connection_queue().waiting = POOL_WAITING.track_inprogress
    return telemetry


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app: routes, error handlers and middleware, configured by `settings`."""
    settings = settings or get_settings()
    configure_logging(settings)
    if settings.SENTRY_DSN.get_secret_value():
        from app.core.error_reporting import configure_error_reporting

        configure_error_reporting(settings, __version__)
    telemetry = _telemetry(settings)
    app = _App(
        hsts_seconds=settings.HSTS_SECONDS,
        title=settings.PROJECT_NAME,
        description={{ cookiecutter.project_description | python_string }},
        version=__version__,
        contact=openapi.CONTACT,
        license_info=openapi.LICENSE,
        servers=openapi.servers(settings),
        generate_unique_id_function=openapi.operation_id,
        # Every route may meet the trusted-hosts check.
        responses=error_responses(400),
        debug=settings.DEBUG,
        lifespan=_lifespan,
        telemetry=telemetry,
        # app/api/docs.py serves /docs and /redoc with local assets instead of a CDN's.
        docs_url=None,
        redoc_url=None,
    )
{%- if cookiecutter.auth == "jwt" %}
    # For the lifespan, which runs the background jobs with these settings.
    app.state.settings = settings
{%- endif %}
    # The tracer provider, or None: for code that adds span processors (as the tests do).
    app.state.tracer_provider = telemetry.get("tracer_provider")
    # Outermost last: the request span's annotations, trusted hosts, CORS, the body limit.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.MAX_REQUEST_BODY_BYTES)
    if settings.CORS_ORIGINS:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.CORS_ORIGINS,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    if "*" not in settings.ALLOWED_HOSTS:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.ALLOWED_HOSTS)
    elif settings.ENVIRONMENT == "production":
        logger.warning("ALLOWED_HOSTS allows any Host header: list the host names of this service")
    if settings.TRACING_ENABLED:
        from app.core.tracing import RequestSpanMiddleware

        app.add_middleware(RequestSpanMiddleware)
    register_error_handlers(app)
    app.include_router(health.router)
    if settings.METRICS_ENABLED:
        from app.api.metrics import metrics_router

        app.include_router(metrics_router(settings.METRICS_TOKEN.get_secret_value()))
    app.include_router(api_router, prefix=API_V1_PREFIX)
    add_docs(app)
    return app


app = create_app()
gc.freeze()
if _collecting:
    gc.enable()

"""Traces, with TRACING_ENABLED: a span per request and one per SQL statement, over OTLP.

FastAPI's own telemetry makes the request span (named after the route template, with
the status; `create_app` hands it the provider), OpenTelemetry's SQLAlchemy
instrumentation the statement spans (the SQL with its placeholders, never the values),
and `RequestSpanMiddleware` adds the request id. `create_app` imports this module only
when tracing is on: off, none of these libraries is even loaded.

The OpenTelemetry SDK reads its own variables: where to export (OTEL_EXPORTER_OTLP_ENDPOINT
or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, headers, timeout), OTEL_SERVICE_NAME,
OTEL_RESOURCE_ATTRIBUTES, the sampler (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG)
and the batching (OTEL_BSP_*).
"""

import os

from dotenv import dotenv_values
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.logging import REDACTED, request_id_var

# The request span's attribute that holds the request id: the name of the log field.
REQUEST_ID_ATTRIBUTE = "request_id"


def configure_tracing(version: str, engine: AsyncEngine, env_file: str | None) -> TracerProvider:
    """A provider that batches spans to OTLP/HTTP, and a span per statement of `engine`.

    The OTEL_* variables of `env_file` (the settings' `.env`) join the process environment
    first, where the SDK looks for them; the environment's own values win. The provider
    also becomes OpenTelemetry's global one (unless another is set already), so that spans
    the app's code starts with `trace.get_tracer(__name__)` join the request's trace.
    """
    dotenv = dotenv_values(env_file) if env_file else {}
    for name, value in dotenv.items():
        if name.startswith("OTEL_") and value is not None:
            os.environ.setdefault(name, value)
    provider = TracerProvider(resource=Resource.create({SERVICE_VERSION: version}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    SQLAlchemyInstrumentor().instrument(
        engine=engine.sync_engine,
        tracer_provider=provider,
        # Pool metrics are app/core/metrics.py's business.
        meter_provider=NoOpMeterProvider(),
        # The instrumentation declares SQLAlchemy below 2.1 and works with it; the tests
        # of the statement spans run against the SQLAlchemy this project installs.
        skip_dep_check=True,
    )
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        trace.set_tracer_provider(provider)
    return provider


def stop_tracing(provider: TracerProvider) -> None:
    """Export the spans still queued and remove the statement instrumentation."""
    SQLAlchemyInstrumentor().uninstrument()
    provider.shutdown()


class RequestSpanMiddleware:
    """Put the request id on the request's span and keep its query string out of it.

    FastAPI's telemetry opens the span outside the app's middlewares, so the span is the
    current one here, and `RequestLogMiddleware` has set the request id. The query string
    may hold secrets: it stays out of traces as it stays out of the access log.
    `create_app` adds this middleware only when tracing is on.
    """

    def __init__(self, app: ASGIApp) -> None:
        """Wrap `app`."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Annotate the current span, then serve the request."""
        span = trace.get_current_span()
        if scope["type"] == "http" and span.is_recording():
            span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id_var.get() or "")
            if scope["query_string"]:
                span.set_attribute("url.query", REDACTED)
        await self.app(scope, receive, send)

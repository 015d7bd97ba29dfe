"""Traces: off by default; with TRACING_ENABLED, a span per request and per SQL statement.

The spans of real requests through the app are read back from an in-memory exporter, and
once from the OTLP/HTTP export itself, received and decoded by a server the test runs.
"""

import threading
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry import _logs, metrics, trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from pydantic import BaseModel
from sqlalchemy import text

from app import __version__
from app.core.config import Settings
from app.core.logging import REDACTED
from app.core.tracing import REQUEST_ID_ATTRIBUTE, configure_tracing, stop_tracing
from app.main import create_app
from app.repositories.sql.database import get_engine

SERVICE_NAME = "traced-tests"
BODY_SECRET = "a-secret-from-the-request-body"
HEADER_SECRET = "a-secret-from-the-authorization-header"
QUERY_SECRET = "a-secret-from-the-query-string"


class Thing(BaseModel):
    """A body with a value the route binds into its SQL."""

    secret: str


class Receiver(ThreadingHTTPServer):
    """An OTLP/HTTP receiver of traces on 127.0.0.1: it keeps each export, decoded."""

    def __init__(self) -> None:
        """Listen on a free port."""
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.exports: list[tuple[str, str, ExportTraceServiceRequest]] = []

    @property
    def url(self) -> str:
        """The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it."""
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        export = ExportTraceServiceRequest.FromString(body)
        self.server.exports.append((self.path, self.headers["Content-Type"], export))
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *_: Any) -> None:
        """Quiet."""


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """A receiver, which OTEL_EXPORTER_OTLP_ENDPOINT names for the apps of the test."""
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", server.url)
    monkeypatch.setenv("OTEL_SERVICE_NAME", SERVICE_NAME)
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def traced_app(settings: Settings, receiver: Receiver) -> Iterator[FastAPI]:
    """An app with tracing on, and a route that runs a statement with a bound value."""
    app = create_app(settings.model_copy(update={"TRACING_ENABLED": True}))

    @app.post("/things/{thing_id}")
    async def select_thing(thing_id: int, thing: Thing) -> dict[str, str]:
        async with get_engine().connect() as connection:
            result = await connection.execute(
                text("SELECT :value AS value"), {"value": thing.secret}
            )
        return {"value": result.scalar_one()}

    yield app
    stop_tracing(app.state.tracer_provider)


@pytest.fixture
def spans(traced_app: FastAPI) -> InMemorySpanExporter:
    """Every span the traced app ends, as it ends it."""
    exporter = InMemorySpanExporter()
    traced_app.state.tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
async def traced_client(traced_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the traced app."""
    transport = httpx.ASGITransport(app=traced_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def _post_thing(client: httpx.AsyncClient) -> httpx.Response:
    response = await client.post(
        f"/things/42?token={QUERY_SECRET}",
        json={"secret": BODY_SECRET},
        headers={"Authorization": f"Bearer {HEADER_SECRET}", "X-Request-ID": "traced-request-1"},
    )
    assert response.status_code == 200, response.text
    return response


def _server_span(spans: InMemorySpanExporter) -> ReadableSpan:
    (server,) = [span for span in spans.get_finished_spans() if span.kind is SpanKind.SERVER]
    return server


def _recorded(function: Callable[[], Any], calls: list[str]) -> Callable[[], Any]:
    """`function`, noting its name in `calls` on each call."""

    def recorded() -> Any:
        calls.append(function.__name__)
        return function()

    return recorded


def _ancestors(span: ReadableSpan, spans: list[ReadableSpan]) -> list[int]:
    by_id = {other.context.span_id: other for other in spans}
    chain = []
    while span.parent is not None:
        chain.append(span.parent.span_id)
        span = by_id[span.parent.span_id]
    return chain


async def test_a_request_span_is_named_after_its_route_and_carries_status_and_request_id(
    traced_client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    response = await _post_thing(traced_client)

    server = _server_span(spans)
    assert server.name == "POST /things/{thing_id}"
    assert server.attributes is not None
    assert server.attributes["http.route"] == "/things/{thing_id}"
    assert server.attributes["http.response.status_code"] == 200
    assert server.attributes[REQUEST_ID_ATTRIBUTE] == response.headers["x-request-id"]
    assert response.headers["x-request-id"] == "traced-request-1"
    assert server.attributes["url.query"] == REDACTED


async def test_each_sql_statement_is_a_child_span_without_its_values(
    traced_client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    await _post_thing(traced_client)

    finished = list(spans.get_finished_spans())
    server = _server_span(spans)
    statements = [
        span for span in finished if span.attributes and "db.statement" in span.attributes
    ]
    assert len(statements) == 1
    (statement,) = statements
    assert statement.kind is SpanKind.CLIENT
    assert str(statement.attributes["db.statement"]).startswith("SELECT")
    assert statement.context.trace_id == server.context.trace_id
    assert server.context.span_id in _ancestors(statement, finished)
    values = [str(value) for span in finished for value in (span.attributes or {}).values()]
    for secret in (BODY_SECRET, HEADER_SECRET, QUERY_SECRET):
        assert not [value for value in values if secret in value], secret


async def test_the_statements_of_a_real_route_are_traced_under_it(
    traced_client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    response = await traced_client.get("/health/ready")

    assert response.status_code == 200
    finished = list(spans.get_finished_spans())
    server = _server_span(spans)
    assert server.name == "GET /health/ready"
    statements = [
        span for span in finished if span.attributes and "db.statement" in span.attributes
    ]
    assert statements
    assert all(server.context.span_id in _ancestors(span, finished) for span in statements)


async def test_a_request_with_a_traceparent_continues_the_callers_trace(
    traced_client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"

    await traced_client.get("/health", headers={"traceparent": f"00-{trace_id}-{parent_id}-01"})

    server = _server_span(spans)
    assert server.context.trace_id == int(trace_id, 16)
    assert server.parent is not None
    assert server.parent.span_id == int(parent_id, 16)


async def test_the_sampler_is_the_one_the_otel_variables_name(
    settings: Settings, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    app = create_app(settings.model_copy(update={"TRACING_ENABLED": True}))
    exporter = InMemorySpanExporter()
    app.state.tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/health/ready")
    finally:
        stop_tracing(app.state.tracer_provider)

    assert response.status_code == 200
    assert exporter.get_finished_spans() == ()


async def test_spans_are_exported_over_otlp_http_as_the_otel_variables_say(
    traced_app: FastAPI, traced_client: httpx.AsyncClient, receiver: Receiver
) -> None:
    response = await traced_client.get("/health")
    assert traced_app.state.tracer_provider.force_flush()

    assert response.status_code == 200
    assert receiver.exports
    path, content_type, export = receiver.exports[0]
    assert (path, content_type) == ("/v1/traces", "application/x-protobuf")
    (resource_spans,) = export.resource_spans
    resource = {item.key: item.value.string_value for item in resource_spans.resource.attributes}
    assert resource["service.name"] == SERVICE_NAME
    assert resource["service.version"] == __version__
    exported = [span for scope in resource_spans.scope_spans for span in scope.spans]
    (server,) = [span for span in exported if span.name == "GET /health"]
    attributes = {item.key: item.value for item in server.attributes}
    assert attributes["http.route"].string_value == "/health"
    assert attributes["http.response.status_code"].int_value == 200
    assert attributes[REQUEST_ID_ATTRIBUTE].string_value == response.headers["x-request-id"]


def test_the_otel_variables_of_the_env_file_reach_the_sdk_after_the_environment(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Set, then unset: the variable is restored as it was after the test.
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "")
    monkeypatch.delenv("OTEL_RESOURCE_ATTRIBUTES")
    env_file = tmp_path / ".env"
    env_file.write_text(
        "OTEL_SERVICE_NAME=from-the-env-file\n"
        "OTEL_RESOURCE_ATTRIBUTES=deployment.environment=from-the-env-file\n",
        encoding="utf-8",
    )

    provider = configure_tracing(__version__, get_engine(), str(env_file))
    stop_tracing(provider)

    attributes = provider.resource.attributes
    assert attributes["service.name"] == SERVICE_NAME  # the environment's
    assert attributes["deployment.environment"] == "from-the-env-file"


async def test_with_tracing_off_no_request_looks_up_an_opentelemetry_provider(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups: list[str] = []
    for module, name in (
        (trace, "get_tracer_provider"),
        (metrics, "get_meter_provider"),
        (_logs, "get_logger_provider"),
    ):
        monkeypatch.setattr(module, name, _recorded(getattr(module, name), lookups))

    response = await client.get("/health/ready")

    assert response.status_code == 200
    assert lookups == []

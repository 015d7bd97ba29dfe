"""Prometheus metrics, with METRICS_ENABLED: requests, the database pool{% if cookiecutter.auth == "jwt" %}, password hashes{% endif %}, the build.

The requests are counted and timed by FastAPI's own telemetry, which names each after
its route template (never the raw path, so ids in paths add no series), through
`PrometheusMeterProvider`: the OpenTelemetry meter API, written into prometheus_client's
metrics. `create_app` imports this module only when metrics are on: off, prometheus_client
is not even loaded.

With several worker processes, PROMETHEUS_MULTIPROC_DIR names a folder where each process
writes its values (prometheus_client's multiprocess mode); /metrics adds them up.
"""

import os
import platform
from collections.abc import Sequence

from opentelemetry import metrics
from opentelemetry.context import Context
from opentelemetry.util.types import Attributes
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool, PoolProxiedConnection

from app.core.config import Settings
{%- if cookiecutter.auth == "jwt" %}
from app.core.security import PasswordHasher
{%- endif %}

CONTENT_TYPE = CONTENT_TYPE_LATEST
REQUEST_DURATION = Histogram(
    "http_server_request_duration_seconds",
    "HTTP requests served, by method, route template (empty: no route matched) and status.",
    ["method", "route", "status"],
)
# In multiprocess mode, a gauge of state is the sum over the processes alive.
ACTIVE_REQUESTS = Gauge(
    "http_server_active_requests", "HTTP requests being served.", multiprocess_mode="livesum"
)
POOL_IN_USE = Gauge(
    "db_pool_connections_in_use",
    "Database connections checked out of the pool.",
    multiprocess_mode="livesum",
)
POOL_WAITING = Gauge(
    "db_pool_checkouts_waiting",
    "Requests waiting for a database connection: their turn, a free one or a new one to open.",
    multiprocess_mode="livesum",
)
{%- if cookiecutter.auth == "jwt" %}
PASSWORD_HASHES = Gauge(
    "password_hashes_in_flight",
    "Password hashes (and verifications) asked for and not done: running or queued.",
    multiprocess_mode="livesum",
)
{%- endif %}
BUILD_INFO = Gauge(
    "app_build_info",
    "The version of the app and of Python, as labels; the value is always 1.",
    ["version", "python"],
    multiprocess_mode="max",
)
# The instruments FastAPI's telemetry creates, by name.
DURATION_INSTRUMENT = "http.server.request.duration"
ACTIVE_INSTRUMENT = "http.server.active_requests"


def configure_metrics(settings: Settings, version: str, engine: Engine) -> metrics.MeterProvider:
    """Start filling the metrics of this process; return the provider for FastAPI.

    `engine` is the app's (synchronous) engine, whose pool is watched.
    """
    BUILD_INFO.labels(version=version, python=platform.python_version()).set(1)
    observe_pool(engine)
{%- if cookiecutter.auth == "jwt" %}
    PasswordHasher.from_settings(settings).in_flight = PASSWORD_HASHES.track_inprogress
{%- endif %}
    return PrometheusMeterProvider()


def render_metrics() -> bytes:
    """The Prometheus text format: every process's metrics in multiprocess mode, else ours."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


# ---------------------------------------------------------------- the database pool


def observe_pool(engine: Engine) -> None:
    """Count the connections of `engine`'s pool in use, and the checkouts waiting.

    Once per engine: calling it again changes nothing. Both counts carry over to the new
    pool that `engine.dispose()` makes. Only pool events are listened to: a listener of the
    engine's own events would put every statement through SQLAlchemy's event dispatch.
    """
    if event.contains(engine, "checkout", _checked_out):
        return
    event.listen(engine, "checkout", _checked_out)
    event.listen(engine, "checkin", _checked_in)
    _count_waiting(engine.pool)


def _checked_out(*_: object) -> None:
    POOL_IN_USE.inc()


def _checked_in(*_: object) -> None:
    POOL_IN_USE.dec()


def _count_waiting(pool: Pool) -> None:
    # SQLAlchemy has no event for a checkout that has to wait, so the calls of the pool's
    # connect() in progress are counted. On the event loop such a call is only seen in
    # progress (by /metrics) while it is suspended: waiting for a connection. The pool that
    # recreate() makes (on engine.dispose()) is counted in turn; its events come along.
    connect, recreate = pool.connect, pool.recreate

    def connect_counted() -> PoolProxiedConnection:
        POOL_WAITING.inc()
        try:
            return connect()
        finally:
            POOL_WAITING.dec()

    def recreate_counted() -> Pool:
        recreated = recreate()
        _count_waiting(recreated)
        return recreated

    pool.connect = connect_counted  # type: ignore[method-assign]
    pool.recreate = recreate_counted  # type: ignore[method-assign]


# ---------------------------------------------------------------- FastAPI's telemetry


class PrometheusMeterProvider(metrics.MeterProvider):
    """The OpenTelemetry meter API for FastAPI's request metrics, kept by prometheus_client.

    Only the two instruments FastAPI's telemetry creates are kept; any other is a no-op.
    """

    def get_meter(
        self,
        name: str,
        version: str | None = None,
        schema_url: str | None = None,
        attributes: Attributes = None,
    ) -> metrics.Meter:
        """The meter of FastAPI's telemetry."""
        return _Meter(name, version, schema_url)


class _Meter(metrics.NoOpMeter):
    def create_histogram(
        self,
        name: str,
        unit: str = "",
        description: str = "",
        *,
        explicit_bucket_boundaries_advisory: Sequence[float] | None = None,
    ) -> metrics.Histogram:
        if name == DURATION_INSTRUMENT:
            return _RequestDuration(name, unit, description)
        return super().create_histogram(
            name,
            unit,
            description,
            explicit_bucket_boundaries_advisory=explicit_bucket_boundaries_advisory,
        )

    def create_up_down_counter(
        self, name: str, unit: str = "", description: str = ""
    ) -> metrics.UpDownCounter:
        if name == ACTIVE_INSTRUMENT:
            return _ActiveRequests(name, unit, description)
        return super().create_up_down_counter(name, unit, description)


class _RequestDuration(metrics.NoOpHistogram):
    def record(
        self, amount: float, attributes: Attributes = None, context: Context | None = None
    ) -> None:
        attributes = attributes or {}
        REQUEST_DURATION.labels(
            method=attributes.get("http.request.method", ""),
            route=attributes.get("http.route", ""),
            status=attributes.get("http.response.status_code", ""),
        ).observe(amount)


class _ActiveRequests(metrics.NoOpUpDownCounter):
    def add(
        self, amount: int | float, attributes: Attributes = None, context: Context | None = None
    ) -> None:
        ACTIVE_REQUESTS.inc(amount)

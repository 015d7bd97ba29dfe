"""What tracing and metrics cost: the GET scenarios with each off, then on (`--tracing`,
`--metrics`).

Each configuration gets a fresh server on the same database, one after another, so the
ratios compare like with like: "off" is measured again right before, not taken from the
main run (which the writes ran after). Besides wrk's figures, each scenario reports the
server's CPU time per request (from /proc/<pid>/stat), the figure that tracing and metrics
add to, read after a pause in which the last spans are exported. With tracing, the spans
go over OTLP/HTTP to a sink in this process that answers every export and counts the
spans; the app exports every 0.5 s instead of the SDK's 5 s, so that each scenario's spans
are counted apart (under load it exports full batches of 512 spans either way). With
metrics, /metrics is read after each scenario and the requests it counted are reported
next to wrk's.
"""

import http.client
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from prometheus_client.parser import text_string_to_metric_families

from bench.scenarios import GET_SCENARIOS, LoadSettings, Scenario, run_scenario, warm_up
from bench.server import Server
from tools.baking import clean_environment
from tools.serving import HOST

FEATURES = ("tracing", "metrics")
# Where each GET scenario lands in the app: the route template its metrics carry.
ROUTES = {
    "health": "/health",
    "items_list": "/api/v1/items",
    "item_get": "/api/v1/items/{item_id}",
    "users_me": "/api/v1/users/me",
}
REQUEST_COUNT = "http_server_request_duration_seconds_count"
# After a scenario: longer than the export delay below, so its last spans are sent.
SETTLE_S = 1.0


class OtlpSink(ThreadingHTTPServer):
    """An OTLP/HTTP receiver of traces on 127.0.0.1 that keeps nothing but the span count."""

    def __init__(self) -> None:
        """Listen on a free loopback port."""
        super().__init__((HOST, 0), _SinkHandler)
        self.bodies: list[bytes] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT."""
        return f"http://{HOST}:{self.server_address[1]}"

    def keep(self, body: bytes) -> None:
        """Keep one export's body until the next count."""
        with self._lock:
            self.bodies.append(body)

    def count_spans(self) -> int:
        """The spans received since the last count (decoded now, off the server's load)."""
        with self._lock:
            bodies, self.bodies = self.bodies, []
        exports = (ExportTraceServiceRequest.FromString(body) for body in bodies)
        return sum(
            len(scope.spans)
            for export in exports
            for resource in export.resource_spans
            for scope in resource.scope_spans
        )


class _SinkHandler(BaseHTTPRequestHandler):
    server: OtlpSink
    reply = ExportTraceServiceResponse().SerializeToString()

    def do_POST(self) -> None:
        self.server.keep(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(self.reply)))
        self.end_headers()
        self.wfile.write(self.reply)

    def log_message(self, *_: Any) -> None:
        """Quiet: one line per export would drown the harness's output."""


@contextmanager
def otlp_sink() -> Iterator[OtlpSink]:
    """A running sink, stopped afterwards."""
    sink = OtlpSink()
    thread = threading.Thread(target=sink.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        sink.shutdown()
        sink.server_close()
        thread.join()


def measure_observability(
    python: Path,
    source: Path,
    settings: LoadSettings,
    scratch: Path,
    env: Mapping[str, str],
    script_args: Mapping[str, str],
    features: tuple[str, ...],
) -> dict[str, Any]:
    """The GET scenarios with everything off, then with each of `features` on."""
    runs: dict[str, Any] = {}
    with otlp_sink() as sink:
        feature_env = {
            "off": {},
            "tracing": {
                "TRACING_ENABLED": "true",
                "OTEL_EXPORTER_OTLP_ENDPOINT": sink.url,
                "OTEL_SERVICE_NAME": "bench",
                "OTEL_BSP_SCHEDULE_DELAY": "500",
            },
            "metrics": {"METRICS_ENABLED": "true"},
        }
        for name in ("off", *features):
            print(f"  -- GET scenarios, {name}", flush=True)
            log = scratch / f"server-{source.name}-{name}.log"
            with Server(
                python,
                "app.main:app",
                cwd=source,
                env=clean_environment({**env, **feature_env[name]}),
                log=log,
            ) as server:
                server.start()
                warm_up(server, settings, script_args)
                time.sleep(SETTLE_S)
                sink.count_spans()  # not the warm-up's
                scenarios = {}
                for scenario in GET_SCENARIOS:
                    figures = _run_with_cpu(server, settings, scenario, script_args)
                    if name == "tracing":
                        figures["spans_exported"] = sink.count_spans()
                    if name == "metrics":
                        figures["requests_counted"] = _counted(server.url, ROUTES[scenario.key])
                    scenarios[scenario.key] = figures
            runs[name] = scenarios
    return {"features": list(features), "runs": runs, "ratios": ratios(runs, features)}


def _run_with_cpu(
    server: Server, settings: LoadSettings, scenario: Scenario, script_args: Mapping[str, str]
) -> dict[str, Any]:
    before = _cpu_s(server.pid)
    figures = run_scenario(server, settings, scenario, script_args)
    time.sleep(SETTLE_S)
    used = _cpu_s(server.pid) - before
    # Whatever wrk read, the app served: error answers cost CPU too.
    figures["cpu_ms_per_request"] = round(1000 * used / max(1, figures["requests"]), 3)
    return figures


def _cpu_s(pid: int) -> float:
    """User and system CPU seconds of `pid` so far, all its threads included."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        # The command name (2nd field) is in parentheses and may hold spaces.
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _counted(base_url: str, route: str) -> int:
    """The requests /metrics counted for `route`, every method and status."""
    connection = http.client.HTTPConnection(HOST, int(base_url.rpartition(":")[2]), timeout=10)
    try:
        connection.request("GET", "/metrics")
        exposition = connection.getresponse().read().decode()
    finally:
        connection.close()
    return int(
        sum(
            sample.value
            for family in text_string_to_metric_families(exposition)
            for sample in family.samples
            if sample.name == REQUEST_COUNT and sample.labels.get("route") == route
        )
    )


def ratios(runs: Mapping[str, Any], features: tuple[str, ...]) -> dict[str, Any]:
    """Per scenario and feature: req/s and CPU per request, on divided by off."""
    off = runs["off"]
    result: dict[str, Any] = {}
    for key, figures in off.items():
        result[key] = {}
        for feature in features:
            on = runs[feature][key]
            result[key][feature] = {
                "requests_per_s": _ratio(on["requests_per_s"], figures["requests_per_s"]),
                "cpu_ms_per_request": _ratio(
                    on["cpu_ms_per_request"], figures["cpu_ms_per_request"]
                ),
            }
    return result


def _ratio(on: float, off: float) -> float | None:
    return round(on / off, 3) if off else None

"""The load scenarios, and how one server is measured under them.

The GET scenarios run first, so that the memory read after them is not inflated by
writes or by password hashing; then POST and PATCH, each with a row count before and
after; login last, since every login holds an argon2 hash's memory.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bench.load import LoadResult, run_wrk
from bench.server import RssSampler, Server

# Rows are counted this long after wrk stops, so requests still in flight can finish.
SETTLE_S = 0.5

RowCounter = Callable[[], dict[str, int]]


@dataclass(frozen=True)
class Scenario:
    """One endpoint under load: a Lua script of bench/lua/ and wrk's per-request timeout."""

    key: str
    label: str
    script: str
    timeout_s: float = 2.0


HEALTH = Scenario("health", "GET /health", "health.lua")
ITEMS_LIST = Scenario("items_list", "GET /api/v1/items?limit=20", "items_list.lua")
ITEM_GET = Scenario("item_get", "GET /api/v1/items/{id}", "item_get.lua")
USERS_ME = Scenario("users_me", "GET /api/v1/users/me", "users_me.lua")
ITEM_CREATE = Scenario("item_create", "POST /api/v1/items", "item_create.lua")
ITEM_UPDATE = Scenario("item_update", "PATCH /api/v1/items/{id}", "item_update.lua")
# A login verifies an argon2 hash (about 0.1-0.2 s of CPU each): a longer timeout.
LOGIN = Scenario("login", "POST /api/v1/auth/login", "login.lua", timeout_s=10.0)

GET_SCENARIOS = (HEALTH, ITEMS_LIST, ITEM_GET, USERS_ME)
WRITE_SCENARIOS = (ITEM_CREATE, ITEM_UPDATE)
SCENARIOS = (*GET_SCENARIOS, *WRITE_SCENARIOS, LOGIN)


@dataclass(frozen=True)
class LoadSettings:
    """How hard and how long wrk drives each scenario."""

    wrk: str
    duration_s: float
    connections: int = 32
    threads: int = 2
    warmup_s: float = 1.0


def run_scenario(
    server: Server, settings: LoadSettings, scenario: Scenario, script_args: Mapping[str, str]
) -> dict[str, Any]:
    """Drive `scenario` for the set duration; return wrk's figures and the peak RSS."""
    with RssSampler(server.pid) as sampler:
        result = run_wrk(
            settings.wrk,
            server.url,
            scenario.script,
            dict(script_args),
            duration_s=settings.duration_s,
            connections=settings.connections,
            threads=settings.threads,
            timeout_s=scenario.timeout_s,
        )
    print(f"  {scenario.label:28} {_progress(result)}  peak RSS {sampler.peak_mib} MiB", flush=True)
    return {"label": scenario.label, **result.as_dict(), "peak_rss_mib": sampler.peak_mib}


def warm_up(server: Server, settings: LoadSettings, script_args: Mapping[str, str]) -> None:
    """Load the items list for the warm-up time: the first requests fill caches and the pool."""
    if settings.warmup_s > 0:
        run_wrk(
            settings.wrk,
            server.url,
            ITEMS_LIST.script,
            dict(script_args),
            duration_s=settings.warmup_s,
            connections=settings.connections,
            threads=settings.threads,
            timeout_s=ITEMS_LIST.timeout_s,
        )


def measure_server(
    server: Server,
    settings: LoadSettings,
    script_args: Mapping[str, str],
    count_rows: RowCounter | None = None,
) -> dict[str, Any]:
    """Run every scenario against a started server; with `count_rows`, check the writes."""
    warm_up(server, settings, script_args)
    scenarios = {s.key: run_scenario(server, settings, s, script_args) for s in GET_SCENARIOS}
    after_get = server.memory_mib()
    for scenario in WRITE_SCENARIOS:
        before = count_rows() if count_rows else None
        figures = run_scenario(server, settings, scenario, script_args)
        if count_rows is not None and before is not None:
            time.sleep(SETTLE_S)
            figures["rows"] = check_rows(scenario, figures, before, count_rows())
        scenarios[scenario.key] = figures
    scenarios[LOGIN.key] = run_scenario(server, settings, LOGIN, script_args)
    return {
        "scenarios": scenarios,
        "rss_after_get_mib": after_get["VmRSS"],
        "rss_peak_mib": server.memory_mib()["VmHWM"],
    }


def check_rows(
    scenario: Scenario, figures: Mapping[str, Any], before: dict[str, int], after: dict[str, int]
) -> dict[str, Any]:
    """Compare the rows written with the requests answered and sent.

    wrk counts only the answers it read: requests still in flight when it stopped may
    have been written all the same. So a POST run is sound when rows created lie between
    the 2xx answers and the requests sent, and no title (unique per request) is stored
    twice. A PATCH run must leave the row count as it was.
    """
    created = after["rows"] - before["rows"]
    answered_2xx = int(figures["requests"]) - int(figures["non_2xx"])
    sent = int(figures["sent"])
    duplicates = after["bench_titles"] - after["distinct_bench_titles"]
    rows: dict[str, Any] = {
        "rows_before": before["rows"],
        "rows_after": after["rows"],
        "rows_created": created,
        "answered_2xx": answered_2xx,
        "sent": sent,
        "duplicates": duplicates,
    }
    if scenario is ITEM_CREATE:
        rows["lost"] = max(0, answered_2xx - created)
        rows["ok"] = answered_2xx <= created <= sent and duplicates == 0
    else:
        rows["ok"] = created == 0 and duplicates == 0
    return rows


def _progress(result: LoadResult) -> str:
    return (
        f"{result.requests_per_s:8.1f} req/s  p50 {result.p50_ms:7.2f} ms  "
        f"p99 {result.p99_ms:7.2f} ms  non-2xx {result.non_2xx}  timeouts {result.timeouts}"
    )

"""The issue's targets, printed as PASS or MISS next to the figures; never asserted.

A figure that was not measured (e.g. the template's suite without its flag) has no
check at all.
"""

import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}


@dataclass(frozen=True)
class Rule:
    """One target: `figure op limit`, e.g. `requests_per_s >= 1200`."""

    figure: str
    op: str
    limit: float | bool
    label: str

    def holds(self, value: Any) -> bool:
        """Whether `value` meets the target."""
        return OPERATORS[self.op](value, self.limit)

    def describe(self) -> str:
        """The target as printed, e.g. `req/s >= 1200`."""
        return (
            self.label if isinstance(self.limit, bool) else f"{self.label} {self.op} {self.limit:g}"
        )


# Every GET scenario: the tail within 3 x the median, and no request over the timeout.
_STEADY = (
    Rule("p99_over_p50", "<=", 3, "p99 / p50"),
    Rule("timeouts", "==", 0, "timeouts"),
)
# Per scenario, checked on every database. Figures: see scenario_figures().
SCENARIO_RULES: dict[str, tuple[Rule, ...]] = {
    "health": _STEADY,
    "items_list": (
        Rule("ref_pct", ">=", 18, "% of ref"),
        Rule("errors", "==", 0, "errors"),
        *_STEADY,
    ),
    "item_get": (
        Rule("ref_pct", ">=", 20, "% of ref"),
        *_STEADY,
    ),
    "users_me": (
        Rule("ref_pct", ">=", 30, "% of ref"),
        *_STEADY,
    ),
    "item_create": (
        Rule("requests_per_s", ">=", 600, "req/s"),
        Rule("errors", "==", 0, "errors"),
        Rule("rows_ok", "==", True, "no lost or duplicated rows"),
    ),
    "item_update": (
        Rule("requests_per_s", ">=", 600, "req/s"),
        Rule("errors", "==", 0, "errors"),
        Rule("rows_ok", "==", True, "row count unchanged"),
    ),
    "login": (
        Rule("timeouts", "==", 0, "timeouts"),
        Rule("p99_ms", "<", 2000, "p99 ms"),
        Rule("peak_rss_mib", "<", 250, "peak RSS MiB"),
    ),
}
# Per database, on the figures of the whole server run (`startup_vs_reference`: see run.py).
SERVER_RULES = (
    Rule("startup_vs_reference", "<=", 1.5, "start-up to first 200 on /health, x the reference's"),
    Rule("rss_after_get_mib", "<=", 90, "RSS after the GET scenarios (MiB)"),
)
# The reads that SQLite must serve at >= 70% of PostgreSQL's rate, in the same run.
COMPARED_READS = ("items_list", "item_get", "users_me")
# Once per run.
RUN_RULES = (
    Rule("bake_default_s", "<=", 0.5, "default bake (s)"),
    Rule("baked_suite_s", "<=", 8, "default project's own suite on SQLite (s)"),
    *(
        Rule(f"sqlite_vs_postgresql_{key}", ">=", 0.7, f"SQLite / PostgreSQL req/s, {key}")
        for key in COMPARED_READS
    ),
)


@dataclass(frozen=True)
class Check:
    """A target checked against one measured figure."""

    scope: str
    subject: str
    target: str
    value: Any
    passed: bool

    def as_dict(self) -> dict[str, Any]:
        """The check, for the JSON report."""
        return asdict(self)


def scenario_figures(figures: Mapping[str, Any], reference_rps: float | None) -> dict[str, Any]:
    """The figures that scenario rules read, derived from one scenario's results."""
    errors = figures["non_2xx"] + figures["timeouts"] + figures["socket_errors"]
    ref_pct = 100 * figures["requests_per_s"] / reference_rps if reference_rps else None
    rows = figures.get("rows")
    p50 = figures["p50_ms"]
    return {
        **figures,
        "errors": errors,
        "ref_pct": round(ref_pct, 1) if ref_pct is not None else None,
        "rows_ok": rows["ok"] if rows else None,
        "p99_over_p50": round(figures["p99_ms"] / p50, 2) if p50 else None,
    }


def evaluate(report: Mapping[str, Any]) -> list[Check]:
    """Every check that the report's figures allow."""
    return list(_checks(report))


def _checks(report: Mapping[str, Any]) -> Iterator[Check]:
    reference = report.get("reference", {}).get("scenarios", {})
    for database, run in report.get("variants", {}).items():
        if "error" in run or run.get("workers", 1) != 1:
            continue  # the targets are for one worker
        for key, rules in SCENARIO_RULES.items():
            if key not in run["scenarios"]:
                continue
            reference_rps = reference.get(key, {}).get("requests_per_s")
            figures = scenario_figures(run["scenarios"][key], reference_rps)
            yield from _apply(database, key, rules, figures)
        yield from _apply(database, "server", SERVER_RULES, run)
    yield from _apply("run", "run", RUN_RULES, report.get("figures", {}))


def _apply(
    scope: str, subject: str, rules: tuple[Rule, ...], figures: Mapping[str, Any]
) -> Iterator[Check]:
    for rule in rules:
        value = figures.get(rule.figure)
        if value is not None:
            yield Check(scope, subject, rule.describe(), value, rule.holds(value))

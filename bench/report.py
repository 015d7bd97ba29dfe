"""The results as JSON and as a short Markdown table, written to bench/results/."""

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bench.scenarios import SCENARIOS
from bench.targets import RUN_RULES, SCENARIO_RULES, SERVER_RULES, Check, Rule

RESULTS_DIR = Path(__file__).resolve().parent / "results"

SCENARIO_HEADER = (
    "| Scenario | req/s | p50 ms | p99 ms | non-2xx | timeouts | peak RSS MiB "
    "| ref req/s | % of ref | Targets | Result |\n"
    "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --- | --- |"
)


def write(report: Mapping[str, Any], markdown: str, directory: Path = RESULTS_DIR) -> Path:
    """Write `<timestamp>.json` and `<timestamp>.md`; return the JSON file's path."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / str(report["timestamp"])
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(markdown, encoding="utf-8")
    return stem.with_suffix(".json")


def render(report: Mapping[str, Any], checks: Iterable[Check]) -> str:
    """The Markdown report: one table per database, then the other figures."""
    checks = list(checks)
    load, machine = report["load"], report["machine"]
    lines = [
        f"# Benchmark {report['timestamp']}",
        "",
        f"{machine['nproc']} cores, Python {machine['python']}, {machine['wrk']}; "
        f"wrk {load['threads']} threads, {load['connections']} connections, "
        f"{load['duration_s']:g} s per scenario (login timeout {load['login_timeout_s']:g} s); "
        f"{load['items']} items seeded. Ratios (% of ref) are to the bare FastAPI reference "
        "measured in the same run. Targets are printed, never asserted.",
    ]
    reference = report.get("reference", {}).get("scenarios", {})
    for database, run in report.get("variants", {}).items():
        if "error" in run:
            lines += ["", f"## {database}", "", "```", f"FAILED: {run['error']}", "```"]
            continue
        lines += ["", f"## {database}", "", SCENARIO_HEADER]
        for scenario in SCENARIOS:
            figures = run["scenarios"].get(scenario.key)
            if figures is not None:
                ref = reference.get(scenario.key)
                lines.append(_scenario_row(database, scenario.key, figures, ref, checks))
        if run.get("workers", 1) == 1:
            lines += ["", _writes_line(run["scenarios"])]
    for database, measured in report.get("observability", {}).items():
        lines += ["", *_observability_table(database, measured)]
    lines += [
        "",
        "## Other figures",
        "",
        "| Figure | Value | Target | Result |",
        "| --- | --: | --- | --- |",
    ]
    lines += _figure_rows(report, checks)
    return "\n".join(lines) + "\n"


OBSERVABILITY_HEADER = (
    "| Scenario | Configuration | req/s | x off | CPU ms/request | x off | p50 ms | p99 ms "
    "| non-2xx | timeouts | Exported or counted |\n"
    "| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --- |"
)


def _observability_table(database: str, measured: Mapping[str, Any]) -> list[str]:
    """The GET scenarios with tracing and metrics off and on, and the ratios on/off."""
    runs, ratios = measured["runs"], measured["ratios"]
    lines = [
        f"## {database}: tracing and metrics, off and on",
        "",
        "Fresh servers on the same database, one after the other; CPU is the server "
        "process's, per request read by wrk; x off is the ratio to the same scenario off.",
        "",
        OBSERVABILITY_HEADER,
    ]
    for key, off in runs["off"].items():
        for name in ("off", *measured["features"]):
            figures = runs[name][key]
            ratio = ratios[key].get(name, {})
            if "spans_exported" in figures:
                extra = (
                    f"{figures['spans_exported']} spans "
                    f"({figures['spans_exported'] / max(1, figures['requests']):.1f} per request)"
                )
            elif "requests_counted" in figures:
                extra = f"{figures['requests_counted']} requests counted by /metrics"
            else:
                extra = "-"
            cells = [
                off["label"] if name == "off" else "",
                name,
                f"{figures['requests_per_s']:.0f}",
                _times(ratio.get("requests_per_s")),
                f"{figures['cpu_ms_per_request']:.3f}",
                _times(ratio.get("cpu_ms_per_request")),
                f"{figures['p50_ms']:.1f}",
                f"{figures['p99_ms']:.1f}",
                str(figures["non_2xx"]),
                str(figures["timeouts"]),
                extra,
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def _times(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}"


def _scenario_row(
    database: str,
    key: str,
    figures: Mapping[str, Any],
    reference: Mapping[str, Any] | None,
    checks: list[Check],
) -> str:
    ref_rps = reference["requests_per_s"] if reference else None
    ratio = f"{100 * figures['requests_per_s'] / ref_rps:.1f}" if ref_rps else "-"
    mine = [c for c in checks if c.scope == database and c.subject == key]
    targets = ", ".join(rule.describe() for rule in SCENARIO_RULES.get(key, ())) or "-"
    cells = [
        figures["label"],
        f"{figures['requests_per_s']:.0f}",
        f"{figures['p50_ms']:.1f}",
        f"{figures['p99_ms']:.1f}",
        str(figures["non_2xx"]),
        str(figures["timeouts"]),
        f"{figures['peak_rss_mib']:.0f}",
        f"{ref_rps:.0f}" if ref_rps else "-",
        ratio,
        targets,
        _verdict(mine),
    ]
    return "| " + " | ".join(cells) + " |"


def _verdict(checks: list[Check]) -> str:
    if not checks:
        return "-"
    missed = [c for c in checks if not c.passed]
    if not missed:
        return "PASS"
    return "MISS: " + "; ".join(f"{c.target} (got {_show(c.value)})" for c in missed)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "no" if not value else "yes"
    if isinstance(value, float):
        return f"{value:.3g}" if value < 1 else f"{value:.1f}"
    return str(value)


def _writes_line(scenarios: Mapping[str, Any]) -> str:
    create = scenarios.get("item_create", {}).get("rows")
    update = scenarios.get("item_update", {}).get("rows")
    parts = []
    if create:
        parts.append(
            f"POST: {create['answered_2xx']} answered 2xx, {create['sent']} sent, "
            f"{create['rows_created']} rows created, {create['lost']} lost, "
            f"{create['duplicates']} duplicated ({'sound' if create['ok'] else 'NOT SOUND'})"
        )
    if update:
        parts.append(
            f"PATCH: rows {update['rows_before']} -> {update['rows_after']} "
            f"({'sound' if update['ok'] else 'NOT SOUND'})"
        )
    return "Rows: " + "; ".join(parts) + "." if parts else "Rows: not counted."


def _figure_rows(report: Mapping[str, Any], checks: list[Check]) -> list[str]:
    rows = []
    servers = {**report.get("variants", {}), "reference": report.get("reference", {})}
    for name, run in servers.items():
        if not run or "error" in run:
            continue
        label = f"{name}: start-up to first 200 on /health (ms)"
        rows.append(_figure_row(label, run.get("startup_ms"), "ms"))
        for rule, unit in zip(SERVER_RULES, ("x", "MiB"), strict=True):
            # Neither the reference nor a run with more workers has targets.
            checked = rule if name != "reference" and run.get("workers", 1) == 1 else None
            if name == "reference" and rule.figure == "startup_vs_reference":
                continue
            label, value = f"{name}: {rule.label}", run.get(rule.figure)
            rows.append(_figure_row(label, value, unit, checked, name, checks))
        rows.append(_figure_row(f"{name}: peak RSS (VmHWM)", run.get("rss_peak_mib"), "MiB"))
    figures = report.get("figures", {})
    bake, suite, template = RUN_RULES[0], RUN_RULES[1], figures.get("template_suite")
    rows.append(
        _figure_row(
            f"default bake (cookiecutter CLI, median of {len(figures.get('bake_samples_s', []))})",
            figures.get("bake_default_s"),
            "s",
            bake,
            "run",
            checks,
        )
    )
    own = figures.get("baked_suite") or {}
    rows.append(
        _figure_row(
            f"default project's own suite, SQLite ({own.get('summary', 'not run')})",
            figures.get("baked_suite_s"),
            "s",
            suite,
            "run",
            checks,
        )
    )
    for rule in RUN_RULES[2:]:
        rows.append(_figure_row(rule.label, figures.get(rule.figure), "x", rule, "run", checks))
    if template:
        label = f"template's whole suite ({template['summary']})"
        rows.append(_figure_row(label, template["seconds"], "s"))
    else:
        rows.append("| template's whole suite | not run (--with-template-suite) | - | - |")
    return rows


def _figure_row(
    label: str,
    value: Any,
    unit: str,
    rule: Rule | None = None,
    scope: str | None = None,
    checks: list[Check] | None = None,
) -> str:
    shown = "-" if value is None else f"{_show(value)} {unit}"
    target = f"{rule.op} {rule.limit:g}" if rule else "-"
    found = [c for c in checks or [] if rule and c.scope == scope and c.target == rule.describe()]
    result = ("PASS" if found[0].passed else "MISS") if found else "-"
    return f"| {label} | {shown} | {target} | {result} |"

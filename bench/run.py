"""The benchmark harness: `python -m bench.run` from the repository root, or `make bench`.

1. Bake the default project (SQLite) with the cookiecutter CLI, timed (median of a few
   bakes), and the `postgresql` variant; install each into a virtual environment of its
   own; time the default project's own test suite.
2. Measure the reference app (bench/reference_app.py) under every scenario.
3. For each database: start it (a throwaway PostgreSQL cluster on 127.0.0.1, or an
   SQLite file), migrate, create the first admin, start the app with uvicorn (1 worker,
   no reload, no access log, 127.0.0.1), time its start-up to the first 200 on /health,
   register the benchmark user through the API, log in, insert the items with SQL, and
   drive every scenario with wrk.
4. Optionally, with `--tracing` and/or `--metrics`, the GET scenarios again on each
   database: everything off, then each of them on (bench/observability.py), with ratios.
5. Optionally (`--with-template-suite`) time the template's whole test suite.
6. Print the Markdown tables and write bench/results/<timestamp>.json and .md.

Targets are printed as PASS or MISS; the harness exits non-zero only when a step breaks
(a bake, an install, a migration, a server that does not start), never on a figure.
"""

import argparse
import concurrent.futures
import contextlib
import os
import platform
import shutil
import statistics
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report as reporting
from bench.load import LoadError, ensure_wrk, wrk_version
from bench.observability import FEATURES, measure_observability
from bench.project import Project, bake, run, time_template_suite
from bench.scenarios import GET_SCENARIOS, LOGIN, LoadSettings, measure_server, run_scenario
from bench.server import Server
from bench.targets import COMPARED_READS, evaluate
from tools.baking import TEMPLATE_DIR, CommandError, clean_environment
from tools.postgres_cluster import throwaway_cluster
from tools.serving import ServerError, call
from tools.snapshots import snapshot

BENCH_DIR = Path(__file__).resolve().parent
DATABASES = ("sqlite", "postgresql")
# The answers of each variant; every other answer is the default.
ANSWERS: dict[str, dict[str, str]] = {"sqlite": {}, "postgresql": {"database": "postgresql"}}
ITEMS = 1000
FIRST_ADMIN = {
    "FIRST_ADMIN_EMAIL": "bench-admin@example.com",
    "FIRST_ADMIN_PASSWORD": "bench-admin-pass-1",
}
BENCH_USER = {
    "email": "bench-user@example.com",
    "password": "bench-user-pass-1",
    "full_name": "Bench User",
}


class StepError(RuntimeError):
    """A step of the harness got an answer it cannot go on with."""


HARNESS_ERRORS = (CommandError, StepError, ServerError, LoadError)
# The second run of the PostgreSQL variant, for how the app scales with processes.
SCALE_WORKERS = 2


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description="Load figures of the baked backend."
    )
    parser.add_argument(
        "--duration", type=float, default=6.0, help="seconds of load per scenario (6)"
    )
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument(
        "--databases",
        nargs="+",
        choices=DATABASES,
        default=list(DATABASES),
        help="which variants to load (both)",
    )
    parser.add_argument(
        "--bake-samples", type=int, default=3, help="default bakes to time; the median counts"
    )
    for feature in FEATURES:
        parser.add_argument(
            f"--{feature}",
            action="store_true",
            help=f"also run the GET scenarios with {feature} off and on, for its cost",
        )
    parser.add_argument(
        "--with-template-suite",
        action="store_true",
        help="also time the template's whole test suite (slow: 1-2 minutes)",
    )
    parser.add_argument(
        "--template-ref",
        metavar="REF",
        help="bake the template as committed at this git ref (e.g. HEAD) instead of the "
        "work tree, so that edits in progress do not disturb the run",
    )
    parser.add_argument(
        "--results-dir", type=Path, default=reporting.RESULTS_DIR, help="bench/results"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch folder (projects, venvs, logs)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the whole benchmark; return 0 unless a step broke."""
    args = parse_args(argv)
    started = time.perf_counter()
    wrk = ensure_wrk()
    timestamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    scratch = (TEMPLATE_DIR / "build" / "bench" / timestamp).resolve()
    scratch.mkdir(parents=True)
    settings = LoadSettings(
        wrk=wrk, duration_s=args.duration, connections=args.connections, threads=args.threads
    )
    report: dict[str, Any] = {
        "timestamp": timestamp,
        "machine": {
            "nproc": len(os.sched_getaffinity(0)),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "wrk": wrk_version(wrk),
        },
        "load": {
            "duration_s": settings.duration_s,
            "connections": settings.connections,
            "threads": settings.threads,
            "warmup_s": settings.warmup_s,
            "login_timeout_s": LOGIN.timeout_s,
            "items": ITEMS,
        },
        "figures": {},
        "variants": {},
        "observability": {},
    }
    features = tuple(feature for feature in FEATURES if getattr(args, feature))
    failed = False
    try:
        template = TEMPLATE_DIR
        if args.template_ref:
            template = snapshot(scratch / "template", args.template_ref)
            report["template"] = {"ref": args.template_ref, **git_describe(args.template_ref)}
        else:
            report["template"] = {"ref": "work tree", **git_describe("HEAD")}
        projects = prepare_projects(template, scratch, args, report["figures"])
        _step("reference app (bare FastAPI, from memory)")
        report["reference"] = measure_reference(projects["sqlite"], settings, scratch)
        for database in args.databases:
            _step(f"{database}: database, migrations, first admin, server, load")
            try:
                measured = measure_variant(projects[database], settings, scratch, features)
                report["variants"][database] = measured
                if "observability" in measured:
                    report["observability"][database] = measured.pop("observability")
                if "scaled" in measured:
                    scaled = measured.pop("scaled")
                    report["variants"][f"{database}, {scaled['workers']} workers"] = scaled
            except HARNESS_ERRORS as error:
                failed = True
                report["variants"][database] = {"error": str(error)}
                print(f"  FAILED: {error}", flush=True)
        if args.with_template_suite:
            _step("template's whole test suite")
            report["figures"]["template_suite"] = suite = time_template_suite(template)
            print(f"  {suite['seconds']} s: {suite['summary']}", flush=True)
    except HARNESS_ERRORS as error:
        failed = True
        report["error"] = str(error)
        traceback.print_exc()
    finally:
        if failed or args.keep:
            print(f"Scratch folder kept: {scratch}", flush=True)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    add_ratios(report)
    report["total_s"] = round(time.perf_counter() - started, 1)
    checks = evaluate(report)
    report["checks"] = [check.as_dict() for check in checks]
    markdown = reporting.render(report, checks)
    written = reporting.write(report, markdown, args.results_dir)
    print("\n" + markdown)
    print(f"Total {report['total_s']} s. Written: {written} and {written.with_suffix('.md')}")
    return 1 if failed else 0


def prepare_projects(
    template: Path, scratch: Path, args: argparse.Namespace, figures: dict[str, Any]
) -> dict[str, Project]:
    """Bake (timing the default), install in parallel, time the default project's suite."""
    _step(f"bake the default project ({args.bake_samples} timed bakes) and the variants")
    samples = []
    sources: dict[str, Path] = {}
    for sample in range(max(1, args.bake_samples)):
        source, seconds = bake(template, scratch / f"bake-default-{sample}", ANSWERS["sqlite"])
        sources.setdefault("sqlite", source)
        samples.append(round(seconds, 3))
    figures["bake_samples_s"] = samples
    figures["bake_default_s"] = round(statistics.median(samples), 3)
    print(f"  default bake: median {figures['bake_default_s']} s of {samples}", flush=True)
    for database in args.databases:
        if database not in sources:
            sources[database], seconds = bake(
                template, scratch / f"bake-{database}", ANSWERS[database]
            )
            figures[f"bake_{database}_s"] = round(seconds, 3)
    projects = {
        database: Project(database, source, scratch / f"venv-{database}")
        for database, source in sources.items()
    }
    _step("install each project into a virtual environment of its own (in parallel)")
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(projects)) as pool:
        installs = dict(zip(projects, pool.map(Project.install, projects.values()), strict=True))
    figures["install_s"] = {database: round(s, 1) for database, s in installs.items()}
    print(f"  installed in {figures['install_s']} s", flush=True)
    _step("the default project's own test suite (SQLite)")
    figures["baked_suite"] = suite = projects["sqlite"].time_own_suite(scratch)
    figures["baked_suite_s"] = suite["seconds"]
    print(f"  {suite['seconds']} s: {suite['summary']}", flush=True)
    return projects


@contextlib.contextmanager
def database_url(project: Project, scratch: Path) -> Iterator[str]:
    """The app's DATABASE_URL: an SQLite file, or a database on a throwaway cluster."""
    if project.database == "sqlite":
        yield f"sqlite+aiosqlite:///{scratch / 'bench.db'}"
        return
    with throwaway_cluster() as server:
        project.dbtool("create-database", f"{server}/postgres", "bench")
        yield f"{server}/bench"


def measure_variant(
    project: Project, settings: LoadSettings, scratch: Path, features: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Prepare the variant's database and server, then run every scenario against it.

    With `features` (tracing, metrics), the GET scenarios run again with each off and on.
    """
    with database_url(project, scratch) as url:
        env = {"DATABASE_URL": url, **FIRST_ADMIN}
        project.migrate(env)
        print(f"  {project.create_first_admin(env)}", flush=True)
        log = scratch / f"server-{project.database}.log"
        with Server(
            project.python, "app.main:app", cwd=project.source, env=clean_environment(env), log=log
        ) as server:
            startup_s = server.start()
            idle = server.memory_mib()
            print(f"  first 200 on /health after {startup_s * 1000:.0f} ms", flush=True)
            token, user_id = sign_up(server.url)
            seeded = project.dbtool("seed", url, user_id, ITEMS)
            script_args = {
                "token": token,
                "min_id": str(seeded["min_id"]),
                "max_id": str(seeded["max_id"]),
                "username": BENCH_USER["email"],
                "password": BENCH_USER["password"],
            }
            figures = measure_server(
                server, settings, script_args, lambda: project.dbtool("count", url, user_id)
            )
        result = {
            "workers": 1,
            "startup_ms": round(startup_s * 1000, 1),
            "rss_idle_mib": idle["VmRSS"],
            "seeded": seeded,
            **figures,
        }
        if project.database == "postgresql":
            result["scaled"] = measure_workers(project, settings, scratch, env, script_args)
        if features:
            result["observability"] = measure_observability(
                project.python, project.source, settings, scratch, env, script_args, features
            )
    return result


def measure_workers(
    project: Project,
    settings: LoadSettings,
    scratch: Path,
    env: dict[str, str],
    script_args: dict[str, str],
) -> dict[str, Any]:
    """The GET scenarios again, with SCALE_WORKERS uvicorn workers on the same database."""
    print(f"  -- the same with {SCALE_WORKERS} workers", flush=True)
    log = scratch / f"server-{project.database}-{SCALE_WORKERS}-workers.log"
    with Server(
        project.python,
        "app.main:app",
        cwd=project.source,
        env=clean_environment(env),
        log=log,
        workers=SCALE_WORKERS,
    ) as server:
        startup_s = server.start()
        scenarios = {s.key: run_scenario(server, settings, s, script_args) for s in GET_SCENARIOS}
    return {
        "workers": SCALE_WORKERS,
        "startup_ms": round(startup_s * 1000, 1),
        "scenarios": scenarios,
    }


def measure_reference(project: Project, settings: LoadSettings, scratch: Path) -> dict[str, Any]:
    """Run every scenario against the reference app, in the default project's venv."""
    log = scratch / "server-reference.log"
    env = clean_environment({})
    with Server(
        project.python, "reference_app:app", cwd=scratch, env=env, log=log, app_dir=BENCH_DIR
    ) as server:
        startup_s = server.start()
        idle = server.memory_mib()
        script_args = {
            "token": "reference",
            "min_id": "1",
            "max_id": str(ITEMS),
            "username": BENCH_USER["email"],
            "password": BENCH_USER["password"],
        }
        figures = measure_server(server, settings, script_args)
    return {"startup_ms": round(startup_s * 1000, 1), "rss_idle_mib": idle["VmRSS"], **figures}


def sign_up(base_url: str) -> tuple[str, int]:
    """Register the benchmark user through the API and log in; return its token and id."""
    api = f"{base_url}/api/v1"
    status, body = call("POST", f"{api}/auth/register", json_body=BENCH_USER)
    if status != 201:
        raise StepError(f"POST /api/v1/auth/register answered {status}: {body}")
    credentials = {"username": BENCH_USER["email"], "password": BENCH_USER["password"]}
    status, body = call("POST", f"{api}/auth/login", form=credentials)
    if status != 200:
        raise StepError(f"POST /api/v1/auth/login answered {status}: {body}")
    token = str(body["access_token"])
    status, me = call("GET", f"{api}/users/me", token=token)
    if status != 200:
        raise StepError(f"GET /api/v1/users/me answered {status}: {me}")
    return token, int(me["id"])


def add_ratios(report: dict[str, Any]) -> None:
    """Store the ratios the targets read: to the reference, and SQLite to PostgreSQL.

    Each scenario's throughput as a percentage of the reference's, each server's start-up
    as a multiple of the reference's, and SQLite's throughput on each compared read as a
    fraction of PostgreSQL's (one worker each).
    """
    reference = report.get("reference", {})
    for variant in report["variants"].values():
        for key, figures in variant.get("scenarios", {}).items():
            ref_rps = reference.get("scenarios", {}).get(key, {}).get("requests_per_s")
            if ref_rps:
                figures["ref_pct"] = round(100 * figures["requests_per_s"] / ref_rps, 1)
        if variant.get("startup_ms") and reference.get("startup_ms"):
            variant["startup_vs_reference"] = round(
                variant["startup_ms"] / reference["startup_ms"], 2
            )
    sqlite, postgresql = (report["variants"].get(name, {}) for name in ("sqlite", "postgresql"))
    for key in COMPARED_READS:
        lite = sqlite.get("scenarios", {}).get(key, {}).get("requests_per_s")
        server = postgresql.get("scenarios", {}).get(key, {}).get("requests_per_s")
        if lite and server:
            report["figures"][f"sqlite_vs_postgresql_{key}"] = round(lite / server, 2)


def git_describe(ref: str) -> dict[str, Any]:
    """The commit that `ref` names, and whether the work tree has changes."""
    commit = run(["git", "rev-parse", ref], cwd=TEMPLATE_DIR, check=False).stdout.strip()
    status = run(["git", "status", "--porcelain"], cwd=TEMPLATE_DIR, check=False).stdout
    return {"commit": commit, "work_tree_dirty": bool(status.strip())}


def _step(title: str) -> None:
    print(f"== {title}", flush=True)


if __name__ == "__main__":
    sys.exit(main())

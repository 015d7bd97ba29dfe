"""Fuzz the OpenAPI document of baked projects with schemathesis, against the real app.

Each fuzzed variant is baked, migrated (`alembic upgrade head`, so the migrations must
give the app everything it needs) on a fresh database of its own, given its first admin
(`python -m app.initial_data`), and fuzzed by `tests/fuzz_app.py`, which runs with pytest
in a subprocess inside the baked project. Every operation is fuzzed without credentials
and, with auth=jwt, as the first admin; the admin's successful requests are sent again with
no or forged credentials. The test fails on any 5xx, any response that the document does
not declare (status, media type, headers, body), any invalid request that is not refused
with a 4xx, and any forged credential that is not refused with a 401.

The fuzzing is bounded and derandomized: MAX_EXAMPLES cases per operation and pass in the
fuzzing phase, plus the schema's examples and the coverage phase. The case counts and the
time of each variant are shown at the end of the run (tests/conftest.py).
"""

import json
import shutil
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tools.baking import Variant, bake, matrix, run, variant_id
from tools.postgres_cluster import new_database

FUZZ_MODULE = Path(__file__).with_name("fuzz_app.py")
MAX_EXAMPLES = 50
SEED = 20240917
ADMIN_EMAIL = "fuzz-admin@example.com"
ADMIN_PASSWORD = "fuzz-admin-pass-1"


def _fuzzed_variants() -> list[Variant]:
    """The default project and the matrix's PostgreSQL variants, with and without auth.

    Together they fuzz both databases, both auth answers, and (as the matrix spreads
    `include_example_resource` over its variants) the `items` resource on both databases.
    """
    return [v for i, v in enumerate(matrix()) if i == 0 or v["database"] == "postgresql"]


FUZZED = [
    pytest.param(v, id=variant_id(v), marks=pytest.mark.xdist_group(f"fuzz-{variant_id(v)}"))
    for v in _fuzzed_variants()
]


@pytest.fixture(scope="session", params=FUZZED)
def fuzzed_variant(request: pytest.FixtureRequest) -> Variant:
    """One fuzzed variant."""
    answers: Variant = request.param
    return answers


def _database_url(variant: Variant, request: pytest.FixtureRequest, folder: Path) -> str:
    """A fresh, empty database for the variant: an SQLite file, or a PostgreSQL database."""
    if variant["database"] != "postgresql":
        return f"sqlite+aiosqlite:///{folder / 'fuzz.db'}"
    return new_database(request.getfixturevalue("postgres_server"), "fuzz")


@pytest.fixture(scope="session")
def fuzz_report(
    fuzzed_variant: Variant,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """Bake, migrate and fuzz the variant once; return the fuzzer's report.

    A bake of its own, not a shared one: the fuzzing module is copied into it."""
    folder = tmp_path_factory.mktemp("fuzz")
    project = bake(folder / "bake", **fuzzed_variant)
    jwt = fuzzed_variant["auth"] == "jwt"
    env = {
        "ENVIRONMENT": "test",
        "ENV_FILE": str(folder / "no-such.env"),  # never the bake's own .env
        "DATABASE_URL": _database_url(fuzzed_variant, request, folder),
        "DATABASE_ECHO": "false",
        "DEBUG": "false",
        "CORS_ORIGINS": "[]",
        "FUZZ_AUTH": fuzzed_variant["auth"],
        "FUZZ_MAX_EXAMPLES": str(MAX_EXAMPLES),
        "FUZZ_SEED": str(SEED),
        "FUZZ_REPORT": str(folder / "report.json"),
    }
    if jwt:
        env.update(
            SECRET_KEY="fuzz-secret-key-that-is-long-enough-for-hs256",
            ARGON2_TIME_COST="1",
            ARGON2_MEMORY_COST_KIB="32",
            FIRST_ADMIN_EMAIL=ADMIN_EMAIL,
            FIRST_ADMIN_PASSWORD=ADMIN_PASSWORD,
        )
    run(project, "alembic", "upgrade", "head", env=env)
    if jwt:
        run(project, "python", "-m", "app.initial_data", env=env)
    shutil.copy(FUZZ_MODULE, project / FUZZ_MODULE.name)
    started = time.monotonic()
    # The project's own addopts (coverage gates) are for its own suite, not for this run.
    command = ("-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", "-q")
    result = run(project, "python", *command, FUZZ_MODULE.name, env=env)
    seconds = time.monotonic() - started
    report: dict[str, Any] = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    report["seconds"] = seconds
    report["output"] = result.stdout[-2000:]
    return report


def _summary(variant: Variant, report: dict[str, Any]) -> str:
    """One line: the cases of each pass, the time, and the number of distinct failures."""
    passes: Counter[str] = Counter()
    for entry in report["operations"]:
        passes[entry["pass"]] += entry["cases"]
    per_pass = ", ".join(f"{name} {cases}" for name, cases in passes.items())
    return (
        f"fuzz {variant_id(variant)}: {passes.total()} cases ({per_pass}) on "
        f"{len(report['schema_operations'])} operations in {report['seconds']:.1f} s, "
        f"{len(report['failures'])} distinct failures"
    )


def _describe(failure: dict[str, Any]) -> str:
    """A failure as the report shows it: where, what, how often, and how to reproduce it."""
    head = (
        f"{failure['operation']}: {failure['code']} {failure['title']} "
        f"(status {failure['status']}, {failure['occurrences']} case(s) "
        f"in pass {', '.join(failure['passes'])})"
    )
    return head + "\n    " + failure["detail"].strip().replace("\n", "\n    ")


def test_fuzzing_finds_no_failure(
    fuzzed_variant: Variant,
    fuzz_report: dict[str, Any],
    record_property: Callable[[str, object], None],
) -> None:
    summary = _summary(fuzzed_variant, fuzz_report)
    record_property("fuzz_summary", summary)
    print(summary)
    failures = "\n\n".join(_describe(failure) for failure in fuzz_report["failures"])
    assert fuzz_report["failures"] == [], f"{summary}\n\n{failures}"


def test_every_operation_is_fuzzed_in_every_pass(
    fuzzed_variant: Variant, fuzz_report: dict[str, Any]
) -> None:
    expected = set(fuzz_report["schema_operations"])
    passes = ["anonymous", "admin"] if fuzzed_variant["auth"] == "jwt" else ["anonymous"]
    for name in passes:
        fuzzed = {
            entry["operation"]
            for entry in fuzz_report["operations"]
            if entry["pass"] == name and entry["cases"] > 0
        }
        assert fuzzed == expected, name
    if fuzzed_variant["auth"] == "jwt":
        # The admin's token worked, and its successful requests were replayed forged.
        forged = [e["cases"] for e in fuzz_report["operations"] if e["pass"] == "forged"]
        assert sum(forged) > 0, fuzz_report["output"]

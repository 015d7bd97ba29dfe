"""Shared hooks and fixtures of the template's tests.

The variants of the matrix are baked once per worker and shared by every test that takes
`baked`: each variant's tests carry the variant's xdist group, so they run on one worker.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.baking import Variant, bake, matrix, variant_id
from tests.postgres_cluster import throwaway_cluster

VARIANTS = [
    pytest.param(v, id=variant_id(v), marks=pytest.mark.xdist_group(variant_id(v)))
    for v in matrix()
]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server for this worker, started on first use."""
    with throwaway_cluster() as url:
        yield url


@pytest.fixture(scope="session", params=VARIANTS)
def variant(request: pytest.FixtureRequest) -> Variant:
    """One variant of the matrix."""
    answers: Variant = request.param
    return answers


@pytest.fixture(scope="session")
def baked(variant: Variant, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The variant, baked once per worker, answering the questions on the command line.

    Tests read it and run its tools, but write nothing inside it.
    """
    return bake(tmp_path_factory.mktemp("variant"), **variant)


@pytest.fixture(scope="session")
def database_env(variant: Variant, request: pytest.FixtureRequest) -> dict[str, str]:
    """Environment that points the variant's tests at a test server, if it needs one."""
    if variant["database"] != "postgresql":
        return {}
    server = request.getfixturevalue("postgres_server")
    # Every database of the suite keeps the query; the server has no TLS, hence `disable`.
    plain = server.replace("postgresql+psycopg://", "postgresql://", 1)
    return {"TEST_DATABASE_URL": f"{plain}/postgres?sslmode=disable"}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the fuzzer's figures (tests/test_fuzz.py) at the end of the run, pass or fail."""
    lines = [
        str(value)
        for report in terminalreporter.getreports("passed") + terminalreporter.getreports("failed")
        for name, value in report.user_properties
        if name == "fuzz_summary"
    ]
    if lines:
        terminalreporter.section("schemathesis fuzzing")
        for line in sorted(lines):
            terminalreporter.write_line(line)

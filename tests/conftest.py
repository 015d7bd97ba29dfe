"""Shared hooks and fixtures of the template's tests.

Every bake goes through tools/baking.py's `bake`, the cookiecutter CLI. Bakes that tests
only read are made once per worker by `bake_once` and shared: the variants of the matrix
(`baked`) and any other set of answers. Each variant's tests carry the variant's xdist
group, so they run on one worker.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import BakeOnce
from tools.baking import CHOICES, Variant, bake, matrix, variant_id
from tools.postgres_cluster import throwaway_cluster

VARIANTS = [
    pytest.param(v, id=variant_id(v), marks=pytest.mark.xdist_group(variant_id(v)))
    for v in matrix()
]


@pytest.fixture(scope="session", autouse=True)
def cookiecutter_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Cookiecutter's user config, replay files and clones in a folder of this worker's,
    never in the home directory: every bake, through the CLI or cruft, reads the config
    that COOKIECUTTER_CONFIG names."""
    home = tmp_path_factory.mktemp("cookiecutter-home")
    config = home / "config.yaml"
    config.write_text(
        f'cookiecutters_dir: "{home / "cookiecutters"}"\nreplay_dir: "{home / "replay"}"\n',
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COOKIECUTTER_CONFIG", str(config))
        yield home


@pytest.fixture(scope="session")
def bake_once(tmp_path_factory: pytest.TempPathFactory) -> BakeOnce:
    """Bake with the given answers (the defaults for the rest), once per worker.

    The bakes are shared between tests: read them and run their tools, never change them.
    """
    defaults = {name: answers[0] for name, answers in CHOICES.items()}
    baked: dict[frozenset[tuple[str, str]], Path] = {}

    def bake_or_reuse(**answers: str) -> Path:
        key = frozenset({**defaults, **answers}.items())
        if key not in baked:
            baked[key] = bake(tmp_path_factory.mktemp("bake"), **answers)
        return baked[key]

    return bake_or_reuse


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
def baked(variant: Variant, bake_once: BakeOnce) -> Path:
    """The variant, baked once per worker. Tests read it and run its tools, but write
    nothing inside it."""
    return bake_once(**variant)


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

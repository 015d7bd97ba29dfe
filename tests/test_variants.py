"""Bake every variant of the matrix once and run the checks its users and CI will run:
no template leftovers, ruff, black, mypy --strict, import contracts, migrations both
ways, and the project's own test suite with its coverage gates.

PostgreSQL variants run against a throwaway server on 127.0.0.1; the baked suite gets
it through TEST_DATABASE_URL and creates a database of its own there. The bakes and the
server are tests/conftest.py's, shared with the other tests of each variant. URLs are given
in the forms users have (`postgres://`, `postgresql://...?sslmode=...`, `sqlite:///`), which
the baked settings turn into their driver's.
"""

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.support import (
    empty_paths,
    migrate_both_ways,
    short_of_full_coverage,
    suite_coverage,
    template_leftovers,
)
from tools.baking import CHOICES, PAIRED, Variant, matrix, run
from tools.postgres_cluster import new_database


def test_matrix_bakes_every_answer_of_every_choice() -> None:
    baked = {name: {variant[name] for variant in matrix()} for name in CHOICES}
    assert baked == {name: set(answers) for name, answers in CHOICES.items()}


def test_matrix_bakes_every_pair_of_database_and_auth() -> None:
    pairs = {tuple(variant[name] for name in PAIRED) for variant in matrix()}
    assert len(pairs) == len(CHOICES["database"]) * len(CHOICES["auth"])


def test_matrix_bakes_every_pair_of_auth_and_example_resource() -> None:
    pairs = {(variant["auth"], variant["include_example_resource"]) for variant in matrix()}
    assert len(pairs) == len(CHOICES["auth"]) * len(CHOICES["include_example_resource"])


def test_first_variant_is_the_default_project() -> None:
    assert matrix()[0] == {name: answers[0] for name, answers in CHOICES.items()}


@pytest.fixture(scope="session")
def suite_report(
    baked: Path, database_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Run the variant's own test suite once, on a copy; return its coverage report."""
    copy = tmp_path_factory.mktemp("suite") / baked.name
    shutil.copytree(baked, copy)
    return suite_coverage(copy, database_env)


def test_no_template_syntax_is_left_in_any_file(baked: Path) -> None:
    assert template_leftovers(baked) == []


def test_no_empty_file_or_folder_is_left(baked: Path) -> None:
    assert empty_paths(baked) == []


def test_ruff_passes(baked: Path) -> None:
    run(baked, "ruff", "check", "--no-cache", ".")


def test_black_passes(baked: Path) -> None:
    run(baked, "black", "--check", "--quiet", ".")


def test_mypy_strict_passes(baked: Path, tmp_path: Path) -> None:
    run(baked, "mypy", "--strict", "--cache-dir", str(tmp_path / "mypy"), "app")


def test_import_contracts_pass(baked: Path) -> None:
    run(baked, "lint-imports", "--no-cache")


def test_migrations_match_the_models_and_downgrade(
    baked: Path, variant: Variant, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if variant["database"] == "postgresql":
        # As a hosting platform hands it out.
        server = request.getfixturevalue("postgres_server")
        url = new_database(server, "migrations").replace("postgresql+psycopg://", "postgres://", 1)
    else:
        url = f"sqlite:///{tmp_path / 'migrations.db'}"
    migrate_both_ways(baked, url)


def test_test_suite_passes_its_coverage_gate(suite_report: dict[str, Any]) -> None:
    assert suite_report["totals"]["percent_covered"] >= 80


def test_services_and_security_are_fully_covered(suite_report: dict[str, Any]) -> None:
    assert short_of_full_coverage(suite_report) == {}

"""The baked project's resource generator, `new-resource`, as its users run it.

Every variant takes a resource with a field of every type (owned by users where there is
authentication), and with authentication a public one too, then passes the project's whole
check. The `items` a bake ships is exactly what the generator makes of its spec. Every
refusal is one line and leaves the tree as it was.
"""

import filecmp
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support import BakeOnce, migrate_both_ways, short_of_full_coverage, suite_coverage
from tools.baking import BIN, CHOICES, Variant, bake, run
from tools.postgres_cluster import new_database

# A field of every type; the resource and some fields are named like SQL's reserved words,
# which must work on both databases (SQLAlchemy quotes them).
EVERY_TYPE = [
    "select:str(40)",
    "note:text?",
    "quantity:int",
    "weight:float?",
    "paid:bool",
    "total:decimal(10,2)",
    "due:date?",
    "placed_at:datetime",
    "reference:uuid?",
    "group:str(20)?",
]
# The spec of the example resource, as the generated README gives it.
ITEMS = ["item", "--field", "title:str(200)", "--field", "description:str(2000)?"]


def new_resource(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the project's own `new-resource` command in it."""
    return run(project, "python", "-m", "app.cli", "new-resource", *args, check=check)


def readme_example(project: Path) -> list[str]:
    """The arguments of the `new-resource` command that the project's README gives."""
    command = f"{project.name} new-resource "
    lines = (project / "README.md").read_text().splitlines()
    (line,) = [line for line in lines if line.startswith(command)]
    return shlex.split(line.removeprefix(command))


def _fields(specs: list[str]) -> list[str]:
    return [arg for spec in specs for arg in ("--field", spec)]


@pytest.fixture(scope="session")
def generated(baked: Path, variant: Variant, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the variant's bake with generated resources: orders, the README's notes,
    and public notices."""
    copy = tmp_path_factory.mktemp("generated") / baked.name
    shutil.copytree(baked, copy)
    new_resource(copy, "order", *_fields(EVERY_TYPE))
    new_resource(copy, *readme_example(copy))
    if variant["auth"] == "jwt":
        new_resource(copy, "notice", "--public", *_fields(["text:str(500)", "pinned:bool?"]))
    return copy


@pytest.fixture(scope="session")
def generated_suite(generated: Path, database_env: dict[str, str]) -> dict[str, Any]:
    """The coverage report of the generated project's own test suite, which must pass."""
    return suite_coverage(generated, database_env)


def test_generated_resources_pass_ruff_black_mypy_and_the_contracts(
    generated: Path, tmp_path: Path
) -> None:
    run(generated, "ruff", "check", "--no-cache", ".")
    run(generated, "black", "--check", "--quiet", ".")
    run(generated, "mypy", "--strict", "--cache-dir", str(tmp_path / "mypy"), "app")
    run(generated, "lint-imports", "--no-cache")


def test_generated_migrations_match_the_models_and_downgrade(
    generated: Path, variant: Variant, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if variant["database"] == "postgresql":
        url = new_database(request.getfixturevalue("postgres_server"), "migrations")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    migrate_both_ways(generated, url)


def test_generated_resources_pass_the_suite_and_its_coverage_gates(
    generated_suite: dict[str, Any],
) -> None:
    assert generated_suite["totals"]["percent_covered"] >= 80
    assert short_of_full_coverage(generated_suite) == {}


def test_generated_resources_bring_their_tests(generated_suite: dict[str, Any]) -> None:
    tested = {name for name in generated_suite["files"] if "orders" in name or "order" in name}

    assert {"app/services/orders.py", "app/api/v1/orders.py", "app/models/order.py"} <= tested


# ---------------------------------------------------------------- one source for items

# Markdown docs may describe the example resource; everything else must be the same.
NOT_COMPARED = {".env"}


def _differences(left: Path, right: Path) -> list[str]:
    found: list[str] = []

    def walk(comparison: filecmp.dircmp[str], prefix: str) -> None:
        for name in comparison.left_only + comparison.right_only:
            found.append(f"{prefix}{name} (only in one)")
        for name in comparison.diff_files:
            if name not in NOT_COMPARED and not name.endswith(".md"):
                found.append(f"{prefix}{name}")
        for name, sub in comparison.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    comparison = filecmp.dircmp(left, right, ignore=["__pycache__"])
    walk(comparison, "")
    return [d for d in found if not d.endswith(".md (only in one)")]


@pytest.mark.parametrize("auth", CHOICES["auth"])
def test_the_example_resource_is_what_the_generator_makes_of_its_spec(
    auth: str, bake_once: BakeOnce, tmp_path: Path
) -> None:
    shipped = bake_once(auth=auth)
    added = bake(tmp_path / "added", auth=auth, include_example_resource="no")

    new_resource(added, *ITEMS)

    filecmp.clear_cache()
    assert _differences(shipped, added) == []


# ---------------------------------------------------------------- trustworthy


@pytest.fixture(scope="module")
def default_bake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default project, baked once, under git, for the tests that must change nothing."""
    project = bake(tmp_path_factory.mktemp("default"))
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "baked"]):
        run(project, "git", "-c", "user.name=t", "-c", "user.email=t@example.com", *command)
    return project


def _git_status(project: Path) -> str:
    return run(project, "git", "status", "--porcelain", "--untracked-files=all").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Note", "--field", "title:text"], "resource name 'Note' is not a snake_case name"),
        (["class", "--field", "title:text"], "resource name 'class' is a Python keyword"),
        (["list", "--field", "title:text"], "resource name 'list' is a Python builtin"),
        (["item", "--field", "title:text"], "resource 'item' exists already: app/models/item.py"),
        (["user", "--field", "title:text"], "resource 'user' exists already: app/models/user.py"),
        (["note", "--field", "id:int"], "field name 'id' is a column every table already has"),
        (["note", "--field", "owner_id:int"], "field name 'owner_id' is a column every table"),
        (["note", "--field", "title:string"], "field 'title' has an unknown type 'string'"),
        (["note", "--field", "title:str(0)"], "field 'title': str(0) needs a length from 1 to"),
        (["note", "--field", "p:decimal(2,5)"], "field 'p': decimal(2,5) needs 1 <= precision"),
        (["note", "--field", "a:int", "--field", "a:text"], "field 'a' is given twice"),
        (["note"], "a resource needs at least one --field"),
    ],
    ids=lambda value: value if isinstance(value, str) else " ".join(value),
)
def test_a_refusal_is_one_line_and_changes_nothing(
    default_bake: Path, args: list[str], message: str
) -> None:
    result = new_resource(default_bake, *args, check=False)

    assert result.returncode == 2
    assert result.stderr.startswith(f"new-resource: {message}")
    assert result.stderr.endswith("; nothing was written\n")
    assert result.stderr.count("\n") == 1
    assert _git_status(default_bake) == ""


def test_a_dry_run_lists_every_file_and_place_and_changes_nothing(default_bake: Path) -> None:
    result = new_resource(default_bake, "note", "--field", "title:str(80)", "--dry-run")

    lines = result.stdout.splitlines()
    assert "would create app/models/note.py" in lines
    # One past 0005_items, which follows 0004_email_verification (SQLite has no 0003).
    assert "would create alembic/versions/0006_notes.py" in lines
    assert "would edit app/api/v1/router.py: import notes; include notes.router" in lines
    assert _git_status(default_bake) == ""


def test_two_resources_in_a_row_then_the_first_again(default_bake: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(default_bake, project)
    new_resource(project, "note", "--field", "title:str(80)")
    new_resource(project, "tag", "--field", "label:str(30)")

    again = new_resource(project, "note", "--field", "title:str(80)", check=False)

    assert again.returncode == 2
    assert "resource 'note' exists already" in again.stderr
    run(project, "ruff", "check", "--no-cache", ".")
    run(project, "black", "--check", "--quiet", ".")
    migrate_both_ways(project, f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}")


def test_make_resource_wraps_the_command(default_bake: Path) -> None:
    result = run(
        default_bake,
        "make",
        "resource",
        f"VENV={BIN.parent}",
        "name=note",
        "fields=title:str(80) body:text?",
        "dry_run=1",
    )

    assert "would create app/models/note.py" in result.stdout
    assert _git_status(default_bake) == ""

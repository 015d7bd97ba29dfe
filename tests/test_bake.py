"""Checks that only the default project needs: its layout, secrets and docs, the
first-admin command, that the import contracts bite, its Makefile and pre-commit hooks,
awkward answers, and that its pyproject.toml alone installs a working project, with pip
and with uv.

The checks every variant needs (linters, types, migrations, its own tests) are in
test_variants.py. Tools run from the shared environment that `make test` fills from
the generated pyproject.toml (tools/baked_requirements.py).
"""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.support import BakeOnce
from tools.baking import BIN, CHOICES, default_answers, run

DEFAULTS = default_answers()

EXPECTED_PATHS = [
    "pyproject.toml",
    "Makefile",
    ".pre-commit-config.yaml",
    "app/cli.py",
    "app/api/docs.py",
    "README.md",
    ".env",
    ".env.example",
    ".gitignore",
    "alembic.ini",
    "alembic/env.py",
    "alembic/versions/0001_initial.py",
    "app/main.py",
    "app/initial_data.py",
    "app/api/deps.py",
    "app/api/v1/auth.py",
    "app/api/v1/users.py",
    "app/api/v1/items.py",
    "app/core/config.py",
    "app/core/security.py",
    "app/core/errors.py",
    "app/models/base.py",
    "app/models/mixins.py",
    "app/schemas",
    "app/services",
    "app/repositories/unit_of_work.py",
    "app/utils",
    "tests/conftest.py",
    "tests/unit/services",
    "tests/unit/repositories",
    "tests/integration/api",
    "tests/fixtures",
]


@pytest.fixture(scope="session")
def project(bake_once: BakeOnce) -> Path:
    """The default project, baked once per worker and shared: read it, never change it."""
    return bake_once()


@pytest.fixture
def scratch_copy(project: Path, tmp_path: Path) -> Path:
    """A throwaway copy of the baked project, for checks that change it."""
    copy = tmp_path / project.name
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns("*.db", "__pycache__"))
    return copy


@pytest.mark.parametrize("relative", EXPECTED_PATHS)
def test_baked_project_has_the_layered_layout(project: Path, relative: str) -> None:
    assert (project / relative).exists()


def test_every_app_package_has_a_readme(project: Path) -> None:
    packages = [init.parent for init in (project / "app").rglob("__init__.py")]
    assert packages
    assert [p for p in packages if not (p / "README.md").is_file()] == []


def test_env_file_is_git_ignored(project: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(project, repo)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=repo)
    assert ignored.returncode == 0


def test_env_example_documents_every_setting(project: Path) -> None:
    config = (project / "app/core/config.py").read_text(encoding="utf-8")
    settings = set(re.findall(r"^    ([A-Z][A-Z0-9_]+): ", config, re.MULTILINE))
    example = (project / ".env.example").read_text(encoding="utf-8")
    undocumented = {name for name in settings if not re.search(rf"^#? ?{name}=", example, re.M)}
    assert settings and undocumented == set()


def test_generated_pyproject_follows_the_python_answer(project: Path) -> None:
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    python = CHOICES["python_version"][0]
    assert meta["project"]["requires-python"] == f">={python}"
    assert meta["tool"]["ruff"]["target-version"] == f"py{python.replace('.', '')}"
    assert meta["tool"]["mypy"]["python_version"] == python


def test_generated_pyproject_installs_the_command_line_and_a_dev_group(project: Path) -> None:
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    slug = DEFAULTS["project_slug"]
    assert meta["project"]["scripts"] == {slug: "app.cli:app"}
    # The group names the dev extra, so the tools are listed once.
    assert meta["dependency-groups"] == {"dev": [f"{slug}[dev]"]}
    assert meta["tool"]["cruft"]["skip"] == [".env"]


def test_import_contracts_break_when_a_route_imports_a_repository(scratch_copy: Path) -> None:
    route = scratch_copy / "app/api/v1/items.py"
    route.write_text(
        route.read_text(encoding="utf-8")
        + "\nfrom app.repositories.sql.items import SqlItemRepository  # noqa: E402, F401\n",
        encoding="utf-8",
    )
    result = run(scratch_copy, "lint-imports", "--no-cache", check=False)
    assert result.returncode != 0
    assert "Routes never touch the database or repositories BROKEN" in result.stdout


def test_first_admin_command_is_idempotent(scratch_copy: Path) -> None:
    run(scratch_copy, "alembic", "upgrade", "head")
    first = run(scratch_copy, "python", "-m", "app.initial_data")
    second = run(scratch_copy, "python", "-m", "app.initial_data")
    assert first.stdout.startswith(f"Created admin {DEFAULTS['author_email']}")
    assert second.stdout.startswith(f"Kept existing admin {DEFAULTS['author_email']}")


@pytest.mark.slow
def test_baked_project_installs_and_passes_from_its_own_pyproject(
    scratch_copy: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", f"{scratch_copy}[dev]"],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr
    tests = subprocess.run(
        [str(venv / "bin/python"), "-m", "pytest", "-p", "no:cacheprovider", "-q"],
        cwd=scratch_copy,
        capture_output=True,
        text=True,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    # The install puts the command line on the PATH of the environment, named after the project.
    shown = subprocess.run(
        [str(venv / "bin" / DEFAULTS["project_slug"]), "settings"],
        cwd=scratch_copy,
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0, shown.stderr
    assert "SECRET_KEY=**********" in shown.stdout.splitlines()


@pytest.mark.slow
def test_baked_project_syncs_and_passes_with_uv(scratch_copy: Path, tmp_path: Path) -> None:
    # The generated README's uv quick start: `uv sync` installs the project and its PEP 735
    # `dev` group (which names the `dev` extra) into .venv, then `uv run pytest`. Every package
    # comes from the index into an empty cache, and uv uses an installed Python, never its own.
    uv = {"UV_CACHE_DIR": str(tmp_path / "uv-cache"), "UV_PYTHON_DOWNLOADS": "never"}
    assert not (scratch_copy / "uv.lock").exists()  # the template ships no lock

    run(scratch_copy, "uv", "sync", env=uv)
    tests = run(scratch_copy, "uv", "run", "pytest", "-p", "no:cacheprovider", env=uv)

    # pytest is in .venv only through the dev group, so the group reached the extra.
    assert (scratch_copy / ".venv/bin/pytest").is_file()
    assert (scratch_copy / "uv.lock").is_file()
    assert re.search(r"^\d+ passed", tests.stdout, flags=re.MULTILINE), tests.stdout


MAKE_TASKS = [
    "install",
    "run",
    "test",
    "cov",
    "lint",
    "format",
    "typecheck",
    "migrate",
    "migration",
    "admin",
    "check",
]


def make(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the project's Makefile with the shared environment as its virtual environment."""
    return run(project, "make", "--no-print-directory", f"VENV={BIN.parent}", *args, check=check)


def test_make_help_lists_every_task(project: Path) -> None:
    listed = make(project, "help").stdout

    assert [task for task in MAKE_TASKS if f"make {task} " not in listed] == []
    assert make(project).stdout == listed  # help is the default goal


def test_make_migration_without_a_message_stops_with_its_usage(project: Path) -> None:
    revisions = sorted((project / "alembic/versions").glob("*.py"))

    result = make(project, "migration", check=False)

    assert result.returncode != 0
    assert 'make migration needs a message: make migration msg="add note"' in result.stderr
    assert sorted((project / "alembic/versions").glob("*.py")) == revisions


def test_make_migrate_admin_and_migration_work_on_the_project(scratch_copy: Path) -> None:
    revisions = set((scratch_copy / "alembic/versions").glob("*.py"))
    make(scratch_copy, "migrate")
    created = make(scratch_copy, "admin")
    make(scratch_copy, "migration", "msg=nothing changed")

    assert f"Created admin {DEFAULTS['author_email']}" in created.stdout
    # The models match the migrations, so the new revision is empty.
    (revision,) = set((scratch_copy / "alembic/versions").glob("*.py")) - revisions
    assert revision.name.endswith("_nothing_changed.py")


def test_make_check_runs_everything_ci_runs_and_passes(scratch_copy: Path) -> None:
    # The whole suite of each variant runs in test_variants.py: here a part of it will do.
    result = make(scratch_copy, "check", "PYTEST_ARGS=tests/unit/core --no-cov")

    # make echoes each command it runs: the tools, in CI's order.
    tools = {"ruff", "black", "mypy", "lint-imports", "alembic", "pytest"}
    commands = [line.split(" ", 1)[0].rsplit("/", 1)[-1] for line in result.stdout.splitlines()]
    ran = [command for command in commands if command in tools]
    assert ran == ["ruff", "black", "mypy", "lint-imports", "alembic", "alembic", "pytest"]


def test_pre_commit_hooks_pass_offline_and_catch_a_lint_error(
    scratch_copy: Path, tmp_path: Path
) -> None:
    # The hooks are `repo: local` tools of the project's environment: nothing is cloned.
    env = {
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
    }
    subprocess.run(["git", "init", "-q"], cwd=scratch_copy, check=True)
    subprocess.run(["git", "add", "-A"], cwd=scratch_copy, check=True)

    clean = run(scratch_copy, "pre-commit", "run", "--all-files", env=env, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    sloppy = scratch_copy / "app/utils/sloppy.py"
    sloppy.write_text('"""Sloppy."""\n\nimport os  \n', encoding="utf-8")
    subprocess.run(["git", "add", str(sloppy)], cwd=scratch_copy, check=True)
    dirty = run(scratch_copy, "pre-commit", "run", "--files", str(sloppy), env=env, check=False)
    assert dirty.returncode != 0
    failed = re.findall(r"^(.+?)\.{3,}Failed$", dirty.stdout, flags=re.MULTILINE)
    assert failed == ["trim trailing whitespace", "ruff"]


AWKWARD_NAME = 'Café "Déjà" Vu\'s \\ {API} <&>'


@pytest.fixture(scope="session")
def awkward_project(bake_once: BakeOnce) -> Path:
    """A project whose name and description hold accents, quotes and backslashes."""
    return bake_once(project_name=AWKWARD_NAME, project_description=AWKWARD_NAME)


def test_awkward_answers_bake_into_parseable_python_and_toml(
    awkward_project: Path, tmp_path: Path
) -> None:
    meta = tomllib.loads((awkward_project / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["description"] == AWKWARD_NAME
    # The bytecode goes to tmp_path: the bake is shared.
    compile_all = ["python", "-m", "compileall", "-q", "app", "alembic", "tests"]
    run(awkward_project, *compile_all, env={"PYTHONPYCACHEPREFIX": str(tmp_path)})


def test_awkward_answers_reach_the_app_unchanged(awkward_project: Path) -> None:
    probe = "from app.main import app; print(app.title); print(app.description)"
    shown = run(awkward_project, "python", "-c", probe).stdout.splitlines()
    assert shown == [AWKWARD_NAME, AWKWARD_NAME]


def test_awkward_answers_keep_the_project_lint_clean(awkward_project: Path) -> None:
    run(awkward_project, "ruff", "check", "--no-cache", ".")
    run(awkward_project, "black", "--check", "--quiet", ".")

"""What several test modules share and the benchmark does not: the hooks imported as
modules, the type of conftest.py's `bake_once`, and the checks run on a bake (its own
suite and coverage, its migrations, what a bake must not leave behind).
"""

import importlib.util
import json
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from tools.baking import TEMPLATE_DIR, run

HOOKS_DIR = TEMPLATE_DIR / "hooks"
# tests/conftest.py's `bake_once`: answers in, a shared bake out.
BakeOnce = Callable[..., Path]


def load_hook(name: str, path: Path | None = None) -> ModuleType:
    """Import a hook script as a module without running its ``main()``.

    The hooks import unrendered: their answers sit in a Jinja-templated string that only
    ``main()`` parses.
    """
    spec = importlib.util.spec_from_file_location(name, path or HOOKS_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pre_gen = load_hook("pre_gen_project")
post_gen = load_hook("post_gen_project")


def suite_coverage(project: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run a project's own test suite, which must pass; return its coverage report."""
    result = run(
        project,
        "python",
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "--cov-report=json:coverage.json",
        env=env,
    )
    assert re.search(r"\d+ passed", result.stdout), result.stdout
    report: dict[str, Any] = json.loads((project / "coverage.json").read_text(encoding="utf-8"))
    return report


def migrate_both_ways(project: Path, database_url: str) -> None:
    """Upgrade an empty database to head, check it matches the models, downgrade to base."""
    env = {"DATABASE_URL": database_url}
    run(project, "alembic", "upgrade", "head", env=env)
    run(project, "alembic", "check", env=env)
    run(project, "alembic", "downgrade", "base", env=env)


# What must stay at 100% in every project: the use cases and the security helpers.
FULLY_COVERED = re.compile(r"^app/(services/.+|core/security)\.py$")


def short_of_full_coverage(report: dict[str, Any]) -> dict[str, float]:
    """The services and security modules of a coverage report that are under 100%.

    Fails when the report has none of them, so that a renamed module cannot pass unseen.
    """
    covered = {
        name: data["summary"]["percent_covered"]
        for name, data in report["files"].items()
        if FULLY_COVERED.match(name)
    }
    assert covered
    return {name: percent for name, percent in covered.items() if percent < 100}


TEMPLATE_MARKERS = re.compile(r"\{\{|\{%|cookiecutter")
# Jinja templates of the project's own, which cookiecutter copies without rendering: the
# resource generator's and the mails'.
PROJECT_TEMPLATES = ("app/scaffold/templates/", "app/templates/")


def template_leftovers(project: Path) -> list[str]:
    """The files of a bake that still hold template syntax or the word cookiecutter."""
    return [
        relative
        for path in project.rglob("*")
        if path.is_file()
        and not (relative := str(path.relative_to(project))).startswith(PROJECT_TEMPLATES)
        and TEMPLATE_MARKERS.search(path.read_text(encoding="utf-8"))
    ]


def empty_paths(project: Path) -> list[str]:
    """The empty files and folders of a bake: what pruning or rendering left behind."""
    return [
        str(path.relative_to(project))
        for path in project.rglob("*")
        if (path.is_dir() and not any(path.iterdir()))
        or (path.is_file() and path.stat().st_size == 0)
    ]

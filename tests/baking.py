"""What the template's tests share: where the template is, the variant matrix, and how
to run a baked project's own tools from the shared environment.

The matrix is derived from cookiecutter.json: every pair of `database` x `auth`
answers, with every other choice question's answers spread over those variants, so
each answer of each question is baked. The spreading shifts each further question by
one more step per `database` block, so that `auth` also meets both answers of
`include_example_resource`. The first variant is the default project.
"""

import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CONTEXT = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8"))
# Every choice question and its answers, the default first.
CHOICES: dict[str, list[str]] = {
    name: answers
    for name, answers in CONTEXT.items()
    if not name.startswith("_") and isinstance(answers, list)
}
# The questions whose every combination is baked.
PAIRED = ("database", "auth")

Variant = dict[str, str]


def matrix() -> list[Variant]:
    """The variants to bake: all PAIRED combinations, other answers spread over them."""
    variants = []
    combinations = itertools.product(*(CHOICES[name] for name in PAIRED))
    block_size = len(CHOICES[PAIRED[-1]])
    for index, combination in enumerate(combinations):
        variant = dict(zip(PAIRED, combination, strict=True))
        spread = [name for name in CHOICES if name not in variant]
        for shift, name in enumerate(spread):
            answers = CHOICES[name]
            variant[name] = answers[(index + shift * (index // block_size)) % len(answers)]
        variants.append(
            dict(sorted(variant.items(), key=lambda item: list(CHOICES).index(item[0])))
        )
    return variants


def variant_id(variant: Variant) -> str:
    """A short readable name: the answers that differ from the defaults, or 'default'."""
    changed = [f"{k}={v}" for k, v in variant.items() if v != CHOICES[k][0]]
    return ",".join(changed) or "default"


def bake(output: Path, **answers: str) -> Path:
    """Bake the template into `output` with the cookiecutter CLI, as a user does; return it."""
    run(
        TEMPLATE_DIR,
        "cookiecutter",
        "--no-input",
        str(TEMPLATE_DIR),
        "--output-dir",
        str(output),
        *(f"{name}={answer}" for name, answer in answers.items()),
    )
    (project,) = output.iterdir()
    return project


def run(
    project: Path, *command: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run one of the shared environment's tools in `project`, failing with its output."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    environment.update(PYTHONDONTWRITEBYTECODE="1", **(env or {}))
    executable = BIN / command[0]
    result = subprocess.run(
        [str(executable if executable.exists() else command[0]), *command[1:]],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result


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

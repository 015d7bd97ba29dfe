"""The template, its answers, and baking it with the cookiecutter CLI, as a user does.

Everything about the questions is read from cookiecutter.json: the questions, the answers
of each choice question, and the answers `cookiecutter --no-input` gives (rendered by
cookiecutter itself, so `project_slug` follows `project_name`).

The variant matrix is every pair of `database` x `auth` answers, with every other choice
question's answers spread over those variants, so each answer of each question is baked.
The spreading shifts each further question by one more step per `database` block, so that
`auth` also meets both answers of `include_example_resource`. The first variant is the
default project.
"""

import contextlib
import itertools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
# The shared environment: where this Python's tools (cookiecutter, ruff, alembic...) live.
BIN = Path(sys.executable).parent
CONTEXT: dict[str, Any] = json.loads(
    (TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8")
)
# Every question, in the order cookiecutter asks them.
QUESTIONS = [name for name in CONTEXT if not name.startswith("_")]
# Every choice question and its answers, the default first.
CHOICES: dict[str, list[str]] = {
    name: CONTEXT[name] for name in QUESTIONS if isinstance(CONTEXT[name], list)
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


def default_answers(**given: str) -> dict[str, str]:
    """Every question's answer as `cookiecutter --no-input` gives it with `given` answered,
    in question order. Cookiecutter renders them, so `project_slug` follows the name."""
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config

    context = generate_context(
        context_file=str(TEMPLATE_DIR / "cookiecutter.json"), extra_context=given
    )
    with _importable_template():  # for the template's own Jinja extensions
        answers = prompt_for_config(context, no_input=True)
    return {name: answers[name] for name in QUESTIONS}


@contextlib.contextmanager
def _importable_template() -> Iterator[None]:
    sys.path.insert(0, str(TEMPLATE_DIR))
    try:
        yield
    finally:
        sys.path.remove(str(TEMPLATE_DIR))


class CommandError(RuntimeError):
    """A command that had to succeed failed, or is not installed; the message says which."""


def clean_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without pytest's and coverage's variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env.update(extra)
    return env


def run(
    cwd: Path,
    *command: str,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run a command in `cwd`, the shared environment's tool of that name first.

    With `check`, a failure raises CommandError with the command's output. No bytecode
    is written, so that bakes shared between tests stay as they were baked.
    """
    found = BIN / command[0]
    executable = str(found) if found.exists() else shutil.which(command[0])
    if executable is None:
        raise CommandError(f"{command[0]} is not installed: run `make test` or `make bench`")
    result = subprocess.run(
        [executable, *command[1:]],
        cwd=cwd,
        env=clean_environment({"PYTHONDONTWRITEBYTECODE": "1", **(env or {})}),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise CommandError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def bake_command(
    output: Path, *options: str, template: Path = TEMPLATE_DIR, **answers: str
) -> list[str]:
    """`cookiecutter --no-input` baking `template` into `output` with `answers` (the
    defaults for the rest) and cookiecutter's `options`."""
    words = [f"{name}={answer}" for name, answer in answers.items()]
    return [
        "cookiecutter",
        "--no-input",
        str(template),
        "--output-dir",
        str(output),
        *options,
        *words,
    ]


def bake(output: Path, *options: str, template: Path = TEMPLATE_DIR, **answers: str) -> Path:
    """Bake with the cookiecutter CLI, as a user does (see bake_command); return the project.

    A refused bake raises CommandError with cookiecutter's output.
    """
    run(template, *bake_command(output, *options, template=template, **answers))
    (project,) = output.iterdir()
    return project


def dotenv(path: Path) -> dict[str, str]:
    """The `KEY=value` lines of a dotenv file, comments left out."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))

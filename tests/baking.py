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
import subprocess
import sys
from pathlib import Path

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

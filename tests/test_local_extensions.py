"""The `python_string` filter renders any answer as a literal black and ruff accept."""

import ast
import subprocess
import sys
from pathlib import Path

import black
import pytest

from local_extensions import python_string

AWKWARD = [
    "My Backend",
    'Bob\'s "Best" API',
    'only "double" quotes',
    "only 'single' quotes",
    "back\\slash\\",
    "Café Déjà Vu",
    "Bob\u2019s curly apostrophe",
    "emoji 🚀 and tab\tinside",
    "{{ cookiecutter.project_name }} {% raw %}",
    "\"\"\"triple\"\"\" and '''triple'''",
]


@pytest.mark.parametrize("value", AWKWARD)
def test_python_string_round_trips(value: str) -> None:
    assert ast.literal_eval(python_string(value)) == value


@pytest.mark.parametrize("value", AWKWARD)
def test_python_string_is_left_alone_by_black(value: str) -> None:
    line = f"NAME = {python_string(value)}\n"
    assert black.format_str(line, mode=black.Mode()) == line


@pytest.mark.parametrize("value", AWKWARD)
def test_python_string_is_ascii_so_ruff_sees_no_confusable_characters(value: str) -> None:
    assert python_string(value).isascii()


def test_python_string_passes_ruff(tmp_path: Path) -> None:
    module = tmp_path / "names.py"
    module.write_text(
        "".join(f"NAME_{i} = {python_string(v)}\n" for i, v in enumerate(AWKWARD)),
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "E,F,W,UP,B,RUF",
            str(module),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout

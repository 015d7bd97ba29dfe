"""The template's Jinja extensions: `python_string` renders any answer as a literal black and
ruff accept; `project_folder` keeps the project folder's rendered name plain."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import black
import pytest
from cookiecutter.environment import StrictEnvironment
from cookiecutter.utils import create_env_with_context

from local_extensions import PROJECT_FOLDER, python_string

TEMPLATE_DIR = Path(__file__).resolve().parents[1]

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


def folder_env() -> StrictEnvironment:
    """Cookiecutter's Jinja environment with the template's extensions, as it bakes."""
    return create_env_with_context(
        {"cookiecutter": {"_extensions": ["local_extensions.PythonStringExtension"]}}
    )


def test_the_template_folder_is_the_one_the_extension_rewrites() -> None:
    assert (TEMPLATE_DIR / PROJECT_FOLDER / "pyproject.toml").is_file()


def test_cookiecutter_json_names_only_the_extension_every_older_template_has() -> None:
    # cruft update's new bake imports the old local_extensions (PythonStringExtension's why).
    context = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8"))

    assert context["_extensions"] == ["local_extensions.PythonStringExtension"]


@pytest.mark.parametrize(("slug", "plain"), [("my_backend", True), ("", False), ("..", False)])
def test_the_project_folder_name_renders_through_project_folder(slug: str, plain: bool) -> None:
    rendered = folder_env().from_string(PROJECT_FOLDER).render(cookiecutter={"project_slug": slug})

    assert (rendered == slug) is plain
    assert rendered.startswith("refused-project-slug-") is not plain


def test_a_stand_in_folder_is_fresh_for_every_bake() -> None:
    env = folder_env()
    names = {
        env.from_string(PROJECT_FOLDER).render(cookiecutter={"project_slug": ""}) for _ in "ab"
    }

    assert len(names) == 2


@pytest.mark.parametrize(
    ("source", "rendered"),
    [
        ("{{ cookiecutter.project_slug }}", ""),
        ("{{cookiecutter.project_slug}}/app", "/app"),
        ("name = {{cookiecutter.project_slug}}", "name = "),
    ],
)
def test_any_other_source_renders_the_slug_as_it_is(source: str, rendered: str) -> None:
    assert folder_env().from_string(source).render(cookiecutter={"project_slug": ""}) == rendered

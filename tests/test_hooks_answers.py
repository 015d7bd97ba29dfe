"""The hooks: which answers the pre-generation hook accepts and which it refuses, each rule
on one line; how the answers reach both hooks; and the `python_string` extension that
writes the answers into the baked files.

The unit tests call the hooks' functions directly (tests/support.py imports them); the
bake tests run them for real through the cookiecutter CLI.
"""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import black
import pytest
from cookiecutter.utils import create_env_with_context

from local_extensions import python_string
from tests.support import HOOKS_DIR, load_hook, pre_gen
from tools.baking import (
    CHOICES,
    CONTEXT,
    QUESTIONS,
    TEMPLATE_DIR,
    bake,
    bake_command,
    default_answers,
    run,
)

VALID_ANSWERS = default_answers()

# One row per rule of the pre-generation hook: a value that breaks that rule alone.
HOOK_RULE_VIOLATIONS = [
    pytest.param("project_name", "   ", "must not be empty", id="name-empty"),
    pytest.param("project_name", "Two\nlines", "single line", id="name-multiline"),
    pytest.param("project_name", "x" * 101, "at most 100 characters", id="name-too-long"),
    pytest.param("project_name", "My Backend ", "start or end with a blank", id="name-trailing"),
    pytest.param("project_name", "\u00a0My Backend", "start or end with a blank", id="name-nbsp"),
    pytest.param("project_slug", "1abc", "lowercase Python identifier", id="slug-digit-first"),
    pytest.param("project_slug", "My-App", "lowercase Python identifier", id="slug-not-identifier"),
    pytest.param("project_slug", "a" * 65, "at most 64 characters", id="slug-too-long"),
    pytest.param("project_slug", "class", "Python keyword", id="slug-keyword"),
    pytest.param("project_slug", "match", "Python keyword", id="slug-soft-keyword"),
    pytest.param("project_slug", "app", "'app' or 'tests'", id="slug-app"),
    pytest.param("project_slug", "tests", "'app' or 'tests'", id="slug-tests"),
    pytest.param("project_slug", "json", "standard-library module", id="slug-stdlib"),
    pytest.param("project_description", "", "must not be empty", id="description-empty"),
    pytest.param("project_description", "a\rb", "single line", id="description-multiline"),
    pytest.param("project_description", "x" * 201, "at most 200", id="description-too-long"),
    pytest.param("project_description", " A backend.", "start or end", id="description-leading"),
    pytest.param("author_name", "", "must not be empty", id="author-empty"),
    pytest.param("author_name", "Jane\tDoe", "single line", id="author-control-char"),
    pytest.param("author_name", "x" * 101, "at most 100", id="author-too-long"),
    pytest.param("author_name", "Jane Doe  ", "start or end with a blank", id="author-trailing"),
    pytest.param("author_email", "jane doe@example.com", "email address", id="email-space"),
    pytest.param("author_email", '"jane"@example.com', "email address", id="email-quotes"),
    pytest.param("author_email", "jane@localhost", "email address", id="email-no-tld"),
    pytest.param("author_email", "x" * 243 + "@example.com", "at most 254", id="email-too-long"),
    pytest.param("author_email", "jane@corp.local", "special-use domain", id="email-local-tld"),
    pytest.param("author_email", "jane@site.test", "special-use domain", id="email-test-tld"),
]

# An answer that no choice question offers: the rule names every answer it has.
UNKNOWN_CHOICES = [("python_version", "3.10"), ("database", "mysql")]
CHOICE_VIOLATIONS = [
    pytest.param(field, value, f"one of {', '.join(map(repr, CHOICES[field]))}", id=field)
    for field, value in UNKNOWN_CHOICES
]

AWKWARD_VALID_ANSWERS = [
    pytest.param("project_name", "Café Déjà Vu", id="name-accents"),
    pytest.param("project_name", 'Bob\'s "Best" API', id="name-quotes"),
    pytest.param("project_name", "Back\\slash \\n API\\", id="name-backslashes"),
    pytest.param("project_name", "x" * 100, id="name-longest"),
    pytest.param("project_slug", "a", id="slug-one-letter"),
    pytest.param("project_slug", "api_v2_" + "x" * 57, id="slug-longest"),
    pytest.param("project_description", 'Says "hi" \\o/ — in 5 languages', id="description"),
    pytest.param("author_name", "Zoë O'Brien-Núñez", id="author-accents"),
    pytest.param("author_email", "first.last+tag@mail.example.co.uk", id="email-subdomains"),
]


# --- pre_gen_project: validation rules ----------------------------------------------------


@pytest.mark.parametrize(
    ("field", "answer"), [(field, answer) for field in CHOICES for answer in CHOICES[field]]
)
def test_validate_accepts_every_answer_of_a_choice(field: str, answer: str) -> None:
    assert pre_gen.validate({**VALID_ANSWERS, field: answer}) == []


def test_validate_accepts_template_defaults() -> None:
    # As cookiecutter renders them: the slug is a Jinja expression of the name.
    assert pre_gen.validate(default_answers()) == []


@pytest.mark.parametrize(("field", "value"), AWKWARD_VALID_ANSWERS)
def test_validate_accepts_awkward_valid_answer(field: str, value: str) -> None:
    assert pre_gen.validate({**VALID_ANSWERS, field: value}) == []


@pytest.mark.parametrize(("field", "value", "rule"), HOOK_RULE_VIOLATIONS + CHOICE_VIOLATIONS)
def test_validate_rejects_answer_breaking_rule(field: str, value: str, rule: str) -> None:
    errors = pre_gen.validate({**VALID_ANSWERS, field: value})

    assert len(errors) == 1
    assert errors[0].startswith(f"ERROR: {field}={pre_gen.show(value)} is invalid: ")
    assert rule in errors[0]
    assert "; " not in errors[0], "the value should break exactly one rule"


def test_validate_error_line_names_field_value_and_rule() -> None:
    errors = pre_gen.validate({**VALID_ANSWERS, "project_slug": "1abc"})

    assert errors == [
        "ERROR: project_slug='1abc' is invalid: must be a lowercase Python identifier "
        "(a-z, 0-9, _), starting with a letter"
    ]


def test_validate_reports_one_line_per_failed_field() -> None:
    answers = {**VALID_ANSWERS, "project_slug": "", "author_email": "nope", "author_name": ""}

    errors = pre_gen.validate(answers)

    assert [line.split("=", 1)[0] for line in errors] == [
        "ERROR: project_slug",
        "ERROR: author_name",
        "ERROR: author_email",
    ]


def test_validate_joins_every_broken_rule_of_a_field_on_its_line() -> None:
    errors = pre_gen.validate({**VALID_ANSWERS, "project_slug": "9" * 65})

    assert len(errors) == 1
    assert "lowercase Python identifier" in errors[0]
    assert "at most 64 characters" in errors[0]


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("project_slug", " my_backend", "lowercase Python identifier"),
        ("author_email", "jane@example.com\t", "email address"),
    ],
)
def test_validate_names_outer_blanks_beside_the_format_rule(
    field: str, value: str, rule: str
) -> None:
    (error,) = pre_gen.validate({**VALID_ANSWERS, field: value})

    assert rule in error
    assert "must not start or end with a blank" in error


@pytest.mark.parametrize("field", ["project_name", "project_description", "author_name"])
def test_validate_calls_an_answer_of_blanks_only_empty(field: str) -> None:
    blanks = " \u00a0 "

    assert pre_gen.validate({**VALID_ANSWERS, field: blanks}) == [
        f"ERROR: {field}={blanks!r} is invalid: must not be empty"
    ]


def test_every_free_text_answer_refuses_outer_blanks() -> None:
    free_text = [field for field in QUESTIONS if field not in pre_gen.CHOICES]

    assert [field for field in free_text if pre_gen.NO_OUTER_BLANKS in pre_gen.RULES[field]] == (
        free_text
    )


def test_validate_rejects_answer_that_is_not_a_string() -> None:
    errors = pre_gen.validate({**VALID_ANSWERS, "python_version": 3.12})

    assert errors == ["ERROR: python_version=3.12 is invalid: must be a string"]


def test_validate_reports_missing_answer() -> None:
    answers = {key: value for key, value in VALID_ANSWERS.items() if key != "database"}

    assert pre_gen.validate(answers) == ["ERROR: database is missing"]


def test_error_line_shortens_a_long_value() -> None:
    errors = pre_gen.validate({**VALID_ANSWERS, "project_name": "x" * 5000})

    assert len(errors[0]) < 200


def test_choices_match_cookiecutter_json() -> None:
    for field, allowed in pre_gen.CHOICES.items():
        assert list(allowed) == CHOICES[field]
    assert set(pre_gen.CHOICES) == set(CHOICES)


def test_every_question_has_validation_rules() -> None:
    assert list(pre_gen.RULES) == QUESTIONS


# --- Both hooks: how the answers reach them --------------------------------------------------


@pytest.mark.parametrize("hook_name", ["pre_gen_project", "post_gen_project"])
def test_rendered_hook_reads_hostile_answers_as_data(tmp_path: Path, hook_name: str) -> None:
    hostile = {
        **VALID_ANSWERS,
        "project_name": 'x"""; raise SystemExit(3); """\\',
        "project_description": "'''\\\"\\ {{ 7 * 7 }} </script> ends with a backslash \\",
        "author_name": "Ünïcödé \U0001f600 \u2028",
    }
    # Cookiecutter's own keys come with the answers; the hooks leave them out.
    context = {**hostile, "_template": "gh:org/repo", "_extensions": CONTEXT["_extensions"]}
    source = (HOOKS_DIR / f"{hook_name}.py").read_text(encoding="utf-8")
    rendered = create_env_with_context({}).from_string(source).render(cookiecutter=context)
    rendered_path = tmp_path / f"{hook_name}.py"
    rendered_path.write_text(rendered, encoding="utf-8")

    module = load_hook(f"rendered_{hook_name}", rendered_path)

    assert module.answers_of(json.loads(module.CONTEXT_JSON)) == hostile


def test_rendered_pre_gen_hook_reads_how_the_bake_was_asked_for(tmp_path: Path) -> None:
    context = {**VALID_ANSWERS, "_template": "gh:org/repo", "_checkout": "v1", "_repo_dir": "/cc"}
    source = (HOOKS_DIR / "pre_gen_project.py").read_text(encoding="utf-8")
    rendered_path = tmp_path / "pre_gen_project.py"
    env = create_env_with_context({})
    rendered_path.write_text(env.from_string(source).render(cookiecutter=context), "utf-8")
    cruft_path = tmp_path / "cruft_pre_gen_project.py"
    cruft_context = {**VALID_ANSWERS, "_template": "https://example.com/r.git", "_commit": "abc"}
    cruft_path.write_text(env.from_string(source).render(cookiecutter=cruft_context), "utf-8")

    module = load_hook("rendered_bake", rendered_path)
    cruft_module = load_hook("rendered_cruft_bake", cruft_path)

    assert module.bake_of(json.loads(module.CONTEXT_JSON)) == {
        "template": "gh:org/repo",
        "checkout": "v1",
        "repo_dir": "/cc",
        "cruft": False,
    }
    assert cruft_module.bake_of(json.loads(cruft_module.CONTEXT_JSON)) == {
        "template": "https://example.com/r.git",
        "checkout": None,
        "repo_dir": None,
        "cruft": True,
    }
    assert module.as_typed("{{ x }}") == '{{ "{" }}{{ "{" }} x }}'


# --- local_extensions.python_string: an answer as a Python literal in the baked files -----------

PYTHON_STRING_VALUES = [
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


@pytest.mark.parametrize("value", PYTHON_STRING_VALUES)
def test_python_string_round_trips(value: str) -> None:
    assert ast.literal_eval(python_string(value)) == value


@pytest.mark.parametrize("value", PYTHON_STRING_VALUES)
def test_python_string_is_left_alone_by_black(value: str) -> None:
    line = f"NAME = {python_string(value)}\n"
    assert black.format_str(line, mode=black.Mode()) == line


@pytest.mark.parametrize("value", PYTHON_STRING_VALUES)
def test_python_string_is_ascii_so_ruff_sees_no_confusable_characters(value: str) -> None:
    assert python_string(value).isascii()


def test_python_string_passes_ruff(tmp_path: Path) -> None:
    module = tmp_path / "names.py"
    module.write_text(
        "".join(f"NAME_{i} = {python_string(v)}\n" for i, v in enumerate(PYTHON_STRING_VALUES)),
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


def test_cookiecutter_json_names_only_the_extension_every_older_template_has() -> None:
    # cruft update's new bake imports the old local_extensions (PythonStringExtension's why).
    assert CONTEXT["_extensions"] == ["local_extensions.PythonStringExtension"]


# --- Real bakes --------------------------------------------------------------------------------


def refused_bake(output: Path, *options: str, **answers: str) -> subprocess.CompletedProcess[str]:
    """A bake through the cookiecutter CLI that must fail; its exit status and output."""
    result = run(TEMPLATE_DIR, *bake_command(output, *options, **answers), check=False)
    assert result.returncode != 0, result.stdout
    return result


@pytest.mark.parametrize(("field", "value", "rule"), HOOK_RULE_VIOLATIONS)
def test_bake_with_bad_answer_fails_in_hook_and_leaves_nothing(
    tmp_path: Path, field: str, value: str, rule: str
) -> None:
    answers = {"project_slug": VALID_ANSWERS["project_slug"], field: value}

    result = refused_bake(tmp_path, **answers)

    assert list(tmp_path.iterdir()) == []
    error_lines = [line for line in result.stderr.splitlines() if re.match(r"ERROR: \w+=", line)]
    assert len(error_lines) == 1
    assert error_lines[0].startswith(f"ERROR: {field}=")
    assert rule in error_lines[0]


@pytest.mark.parametrize(("field", "value"), UNKNOWN_CHOICES)
def test_bake_with_unknown_choice_is_rejected_by_cookiecutter_before_hooks(
    tmp_path: Path, field: str, value: str
) -> None:
    result = refused_bake(tmp_path, **{field: value})

    assert f"{value} provided for choice variable {field}" in result.stderr
    assert str(CHOICES[field]) in result.stderr
    assert f"ERROR: {field}=" not in result.stderr  # the hook never ran
    assert list(tmp_path.iterdir()) == []


def test_bake_replaying_unknown_choice_is_rejected_by_hook(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # A replay file skips cookiecutter's own choice check, so the hook is the only guard.
    replay_file = tmp_path_factory.mktemp("replay") / "bad-choice.json"
    replay = {"cookiecutter": {**VALID_ANSWERS, "database": "mysql", "_copy_without_render": []}}
    replay_file.write_text(json.dumps(replay), encoding="utf-8")

    result = run(
        TEMPLATE_DIR,
        "cookiecutter",
        "--replay-file",
        str(replay_file),
        str(TEMPLATE_DIR),
        "--output-dir",
        str(tmp_path),
        check=False,
    )

    assert result.returncode != 0
    assert list(tmp_path.iterdir()) == []
    assert "ERROR: database='mysql' is invalid: must be one of 'sqlite'" in result.stderr


def test_cli_rejects_bad_slug_naming_field_and_rule(tmp_path: Path) -> None:
    result = refused_bake(tmp_path, project_slug="1abc")

    output = result.stdout + result.stderr
    assert "ERROR: project_slug='1abc' is invalid" in output
    assert "lowercase Python identifier" in output
    assert list(tmp_path.iterdir()) == []


def test_cli_rejects_unknown_database_naming_allowed_values(tmp_path: Path) -> None:
    result = refused_bake(tmp_path, database="mysql")

    assert "mysql provided for choice variable database" in result.stderr
    assert str(CHOICES["database"]) in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_bake_with_awkward_valid_answers_succeeds_with_identifier_slug(tmp_path: Path) -> None:
    project = bake(
        tmp_path,
        project_name='Café "Déjà" Vu\'s \\ API',
        project_description="Serves \"quotes\", 'apostrophes' and \\backslashes\\.",
        author_name="Zoë O'Brien-Núñez",
    )

    slug = project.name
    assert slug.isascii() and slug.isidentifier()
    assert pre_gen.field_problems("project_slug", slug) == []
    assert (project / ".env").is_file()

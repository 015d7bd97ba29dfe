"""Template-level tests of the hooks: answer validation before, and ``.env`` after, generation.

The hooks import unrendered (their answers sit in a Jinja-templated string that only
``main()`` parses), so the unit tests call their functions directly; the bake tests run
them for real through cookiecutter's API and CLI.
"""

import base64
import importlib.util
import json
import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter
from cookiecutter.utils import create_env_with_context

from local_extensions import project_folder

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
HOOKS_DIR = TEMPLATE_DIR / "hooks"
TEMPLATE_CONTEXT: dict[str, Any] = json.loads(
    (TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8")
)
QUESTIONS = [key for key in TEMPLATE_CONTEXT if not key.startswith("_")]


def load_hook(name: str, path: Path | None = None) -> ModuleType:
    """Import a hook script as a module without running its ``main()``."""
    spec = importlib.util.spec_from_file_location(name, path or HOOKS_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pre_gen = load_hook("pre_gen_project")
post_gen = load_hook("post_gen_project")

VALID_ANSWERS: dict[str, str] = {
    "project_name": "My Backend",
    "project_slug": "my_backend",
    "project_description": "A layered FastAPI backend.",
    "author_name": "Jane Doe",
    "author_email": "jane@example.com",
    "python_version": "3.12",
    "database": "sqlite",
    "auth": "jwt",
    "include_example_resource": "yes",
    "docker": "yes",
    "ci": "github",
}

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
CHOICE_VIOLATIONS = [
    pytest.param("python_version", "3.10", "one of '3.11', '3.12', '3.13'", id="python-3.10"),
    pytest.param("database", "mysql", "one of 'sqlite'", id="database-mysql"),
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


def env_values(path: Path) -> dict[str, str]:
    """Return the ``KEY=value`` lines of a dotenv file as a dict."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def bake(output_dir: Path, **answers: Any) -> Path:
    """Generate the project from the template without prompts and return its directory."""
    return Path(
        cookiecutter(
            str(TEMPLATE_DIR), no_input=True, extra_context=answers, output_dir=str(output_dir)
        )
    )


def run_cli(output_dir: Path, *answers: str) -> subprocess.CompletedProcess[str]:
    """Run the real cookiecutter CLI without prompts; return its exit code and output."""
    command = [sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE_DIR)]
    return subprocess.run(
        [*command, "-o", str(output_dir), *answers],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(autouse=True)
def isolated_cookiecutter_config(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep cookiecutter's user config and replay files away from the home directory."""
    home = tmp_path_factory.mktemp("cookiecutter-home")
    config = home / "config.yaml"
    config.write_text(
        f'cookiecutters_dir: "{home / "cookiecutters"}"\nreplay_dir: "{home / "replay"}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("COOKIECUTTER_CONFIG", str(config))


# --- pre_gen_project: validation rules ----------------------------------------------------


def test_validate_accepts_valid_answers() -> None:
    assert pre_gen.validate(VALID_ANSWERS) == []


def test_validate_accepts_template_defaults() -> None:
    defaults = {
        key: value[0] if isinstance(value, list) else value
        for key, value in TEMPLATE_CONTEXT.items()
        if key in QUESTIONS
    }
    defaults["project_slug"] = "my_backend"  # the default is a Jinja expression of the name

    assert pre_gen.validate(defaults) == []


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
        assert list(allowed) == TEMPLATE_CONTEXT[field]
    assert set(pre_gen.CHOICES) == {k for k in QUESTIONS if isinstance(TEMPLATE_CONTEXT[k], list)}


def test_every_question_has_validation_rules() -> None:
    assert list(pre_gen.RULES) == QUESTIONS


# --- pre_gen_project: the refusal and its ready command ----------------------------------------

BAKE: dict[str, Any] = {
    "template": "gh:org/repo",
    "checkout": None,
    "repo_dir": None,
    "cruft": False,
}
COMMAND_START = ["cookiecutter", "gh:org/repo", "--output-dir", "/home/me/code", "--no-input"]


def answer_words(answers: dict[str, Any], refused: list[str]) -> list[str]:
    """The ``field=value`` words a ready command should end with: question order, refused last."""
    fields = [field for field in QUESTIONS if field not in refused] + refused
    return [f"{field}={answers[field]}" for field in fields]


def test_refusal_names_the_bad_field_then_gives_a_command_with_every_answer() -> None:
    answers = {**VALID_ANSWERS, "author_email": "jane@example"}

    lines = pre_gen.refusal(answers, BAKE, "/home/me/code")

    assert lines[:2] == [
        "ERROR: author_email='jane@example' is invalid: must be an email address like "
        "name@example.com",
        "To bake again with every answer kept, change the last answer (author_email) of this "
        "command and run it:",
    ]
    assert shlex.split(lines[2]) == COMMAND_START + answer_words(answers, ["author_email"])
    assert len(lines) == 3


def test_refusal_puts_every_refused_answer_last_and_counts_them() -> None:
    answers = {**VALID_ANSWERS, "project_name": "", "project_slug": "", "docker": "maybe"}
    refused = ["project_name", "project_slug", "docker"]

    *errors, header, command = pre_gen.refusal(answers, BAKE, "/home/me/code")

    assert [line.split("=", 1)[0] for line in errors] == [f"ERROR: {f}" for f in refused]
    assert "change the last 3 answers (project_name, project_slug, docker)" in header
    assert shlex.split(command)[-3:] == ["project_name=", "project_slug=", "docker=maybe"]


def test_refusal_of_valid_answers_is_empty() -> None:
    assert pre_gen.refusal(VALID_ANSWERS, BAKE, "/home/me/code") == []


def test_refusal_without_a_known_template_gives_the_error_lines_only() -> None:
    answers = {**VALID_ANSWERS, "author_email": "nope"}

    assert pre_gen.refusal(answers, {**BAKE, "template": None}, "/x") == pre_gen.validate(answers)


# Answers that a shell would otherwise split, expand, glob, run or treat as a comment.
SHELL_HOSTILE = {
    "project_name": "Ünï \"q\" 's' $(touch pwned) `touch pwned` $HOME !! \\",
    "project_description": "globs * ? [ab] ~ # not a comment; a && b || c > out < in | d &",
    "author_name": "Zoë O'Brien-Núñez",
}


def test_ready_command_survives_the_shell_word_for_word() -> None:
    answers = {**VALID_ANSWERS, **SHELL_HOSTILE, "author_email": "bad\nline 'x' $(id)"}

    command = pre_gen.ready_command(answers, BAKE, "/home/me/my code")

    expected_start = [*COMMAND_START[:3], "/home/me/my code", "--no-input"]
    assert shlex.split(command) == expected_start + answer_words(answers, ["author_email"])


@pytest.mark.parametrize(
    "value",
    ["{{ 7 * 7 }}", "{% raw %}x{% endraw %}", "{# comment #}", "a {{ b", "{{ '{' }}"],
)
def test_answer_opening_a_jinja_tag_is_passed_so_that_cookiecutter_renders_it_back(
    value: str,
) -> None:
    typed = pre_gen.as_typed(value)

    assert create_env_with_context({}).from_string(typed).render() == value


@pytest.mark.parametrize("value", ["My Backend", "a { b } c", "}}", 3.12])
def test_answer_without_a_jinja_tag_is_passed_as_it_is(value: Any) -> None:
    assert pre_gen.as_typed(value) == value


def test_ready_command_repeats_the_checkout() -> None:
    command = pre_gen.ready_command(VALID_ANSWERS, {**BAKE, "checkout": "v1.2"}, "/out")

    assert shlex.split(command)[:4] == ["cookiecutter", "gh:org/repo", "--checkout", "v1.2"]


@pytest.mark.parametrize(
    ("template", "repo_dir", "directory"),
    [
        (".", ".", None),
        ("mono", "mono/templates/backend", "templates/backend"),
        ("../tpl", "../tpl/sub", "sub"),
        ("/srv/tpl", "/srv/tpl", None),
        ("/srv/tpl", "/srv/tpl/a/b", "a/b"),
        ("gh:org/mono", None, None),
        ("template.zip", "/srv/unzipped/template/sub", None),
    ],
)
def test_template_directory_from_a_local_path(
    template: str, repo_dir: str | None, directory: str | None
) -> None:
    assert pre_gen.template_directory(template, repo_dir) == directory


@pytest.mark.parametrize("vcs", [".git", ".hg"])
def test_template_directory_inside_a_clone(tmp_path: Path, vcs: str) -> None:
    clone = tmp_path / "cookiecutters" / "mono"
    (clone / vcs).mkdir(parents=True)
    (clone / "templates" / "backend").mkdir(parents=True)

    assert pre_gen.template_directory("gh:org/mono", str(clone)) is None
    assert pre_gen.template_directory("gh:org/mono", str(clone / "templates" / "backend")) == (
        "templates/backend"
    )


def test_ready_command_for_cruft_passes_the_answers_as_extra_context() -> None:
    answers = {**VALID_ANSWERS, **SHELL_HOSTILE, "project_slug": "1abc"}
    bake = {**BAKE, "template": "/srv/template", "cruft": True}

    words = shlex.split(pre_gen.ready_command(answers, bake, "/out"))

    assert words[:-1] == [
        "cruft",
        "create",
        "/srv/template",
        "--output-dir",
        "/out",
        "--no-input",
        "--extra-context",
    ]
    extra = json.loads(words[-1])
    assert extra == answers
    assert list(extra)[-1] == "project_slug"


def test_main_prints_the_refusal_to_stderr_with_the_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "my_backend").mkdir()
    monkeypatch.setattr(pre_gen, "ANSWERS_JSON", json.dumps({**VALID_ANSWERS, "ci": "jenkins"}))
    monkeypatch.setattr(pre_gen, "BAKE_JSON", json.dumps(BAKE))
    monkeypatch.chdir(tmp_path / "my_backend")

    assert pre_gen.main() == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    *_, command = captured.err.splitlines()
    assert shlex.split(command)[3] == str(tmp_path)


# --- The project folder: a slug that is no plain folder name reaches the hook ----------------


@pytest.mark.parametrize("slug", ["my_backend", "a", "api_v2_" + "x" * 57])
def test_a_valid_slug_is_its_own_project_folder(slug: str) -> None:
    assert pre_gen.field_problems("project_slug", slug) == []
    assert project_folder(slug) == slug


@pytest.mark.parametrize("slug", ["", " ", ".", "..", "a/b", "../x", "/abs", "a\\b", "x\0", "é"])
def test_a_slug_that_is_no_plain_folder_name_gets_a_stand_in_folder_the_hook_refuses(
    slug: str,
) -> None:
    folder = project_folder(slug)

    assert re.fullmatch(r"refused-project-slug-[0-9a-f]{16}", folder)
    assert pre_gen.field_problems("project_slug", slug) != []


# --- Both hooks: how the answers reach them --------------------------------------------------


@pytest.mark.parametrize("hook", [pre_gen, post_gen], ids=["pre_gen", "post_gen"])
def test_hook_answers_json_lists_every_question(hook: ModuleType) -> None:
    assert re.findall(r'^\s*"(\w+)":', hook.ANSWERS_JSON, flags=re.MULTILINE) == QUESTIONS


@pytest.mark.parametrize("hook_name", ["pre_gen_project", "post_gen_project"])
def test_rendered_hook_reads_hostile_answers_as_data(tmp_path: Path, hook_name: str) -> None:
    hostile = {
        **VALID_ANSWERS,
        "project_name": 'x"""; raise SystemExit(3); """\\',
        "project_description": "'''\\\"\\ {{ 7 * 7 }} </script> ends with a backslash \\",
        "author_name": "Ünïcödé \U0001f600 \u2028",
    }
    source = (HOOKS_DIR / f"{hook_name}.py").read_text(encoding="utf-8")
    rendered = create_env_with_context({}).from_string(source).render(cookiecutter=hostile)
    rendered_path = tmp_path / f"{hook_name}.py"
    rendered_path.write_text(rendered, encoding="utf-8")

    module = load_hook(f"rendered_{hook_name}", rendered_path)

    assert json.loads(module.ANSWERS_JSON) == hostile


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

    assert json.loads(module.BAKE_JSON) == {
        "template": "gh:org/repo",
        "checkout": "v1",
        "repo_dir": "/cc",
        "cruft": False,
    }
    assert json.loads(cruft_module.BAKE_JSON) == {
        "template": "https://example.com/r.git",
        "checkout": None,
        "repo_dir": None,
        "cruft": True,
    }
    assert module.as_typed("{{ x }}") == '{{ "{" }}{{ "{" }} x }}'


# --- post_gen_project: .env ------------------------------------------------------------------

EXAMPLE = (
    "# Signs the JWTs.\n"
    "# SECRET_KEY=commented-out\n"
    "SECRET_KEY=change-me\n"
    "OTHER_SECRET_KEY=keep-me\n"
    "FIRST_ADMIN_EMAIL=jane@example.com\n"
    "FIRST_ADMIN_PASSWORD=change-me\n"
    "LOG_LEVEL=INFO\n"
)
NEW_VALUES = {"SECRET_KEY": "s3cret", "FIRST_ADMIN_PASSWORD": "pa55word"}


def token_bits(token: str) -> int:
    """Return how many random bits a ``secrets.token_urlsafe`` value carries."""
    return 8 * len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def test_generated_secret_key_has_at_least_256_bits() -> None:
    assert token_bits(post_gen.generate_secrets(VALID_ANSWERS)["SECRET_KEY"]) >= 256


def test_generated_admin_password_meets_password_policy() -> None:
    password = post_gen.generate_secrets(VALID_ANSWERS)["FIRST_ADMIN_PASSWORD"]

    assert 8 <= len(password) <= 128
    assert token_bits(password) >= 128


def test_generated_admin_password_is_never_letters_only(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter(["OnlyLettersHereAbcdefghi", "Mixed-with_digits0123456"])
    monkeypatch.setattr(post_gen.secrets, "token_urlsafe", lambda _: next(draws))

    assert post_gen.generate_password() == "Mixed-with_digits0123456"


def test_generated_secrets_differ_between_calls() -> None:
    first, second = post_gen.generate_secrets(VALID_ANSWERS), post_gen.generate_secrets(
        VALID_ANSWERS
    )

    assert first["SECRET_KEY"] != second["SECRET_KEY"]
    assert first["FIRST_ADMIN_PASSWORD"] != second["FIRST_ADMIN_PASSWORD"]


def test_generated_secrets_need_no_quoting_in_dotenv() -> None:
    for value in post_gen.generate_secrets(VALID_ANSWERS).values():
        assert re.fullmatch(r"[A-Za-z0-9_-]+", value)


def test_render_env_replaces_only_the_values_of_the_given_keys() -> None:
    rendered = post_gen.render_env(EXAMPLE, NEW_VALUES)

    assert rendered == (
        EXAMPLE.replace("SECRET_KEY=change-me\n", "SECRET_KEY=s3cret\n", 1).replace(
            "FIRST_ADMIN_PASSWORD=change-me", "FIRST_ADMIN_PASSWORD=pa55word"
        )
    )
    assert "# SECRET_KEY=commented-out\n" in rendered
    assert "OTHER_SECRET_KEY=keep-me\n" in rendered
    assert "FIRST_ADMIN_EMAIL=jane@example.com\n" in rendered


def test_render_env_keeps_crlf_line_endings() -> None:
    crlf_example = EXAMPLE.replace("\n", "\r\n")

    rendered = post_gen.render_env(crlf_example, NEW_VALUES)

    assert "SECRET_KEY=s3cret\r\n" in rendered
    assert rendered.count("\r\n") == crlf_example.count("\r\n")


@pytest.mark.parametrize("key", ["SECRET_KEY", "FIRST_ADMIN_PASSWORD"])
def test_render_env_fails_when_a_required_key_is_missing(key: str) -> None:
    example = re.sub(rf"^{key}=.*\n", "", EXAMPLE, flags=re.MULTILINE)

    with pytest.raises(post_gen.EnvTemplateError, match=key):
        post_gen.render_env(example, NEW_VALUES)


def test_render_env_does_not_count_a_commented_key_as_present() -> None:
    example = EXAMPLE.replace("SECRET_KEY=change-me\n", "")

    with pytest.raises(post_gen.EnvTemplateError, match="SECRET_KEY"):
        post_gen.render_env(example, NEW_VALUES)


def test_write_env_fills_secrets_into_the_template_env_example(tmp_path: Path) -> None:
    example = TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / ".env.example"
    (tmp_path / ".env.example").write_bytes(example.read_bytes())

    assert post_gen.write_env(tmp_path, VALID_ANSWERS) is True

    written, original = env_values(tmp_path / ".env"), env_values(tmp_path / ".env.example")
    assert token_bits(written.pop("SECRET_KEY")) >= 256
    assert len(written.pop("FIRST_ADMIN_PASSWORD")) >= 8
    del original["SECRET_KEY"], original["FIRST_ADMIN_PASSWORD"]
    assert written == original


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_write_env_makes_env_readable_by_its_owner_only(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text(EXAMPLE, encoding="utf-8")

    post_gen.write_env(tmp_path, VALID_ANSWERS)

    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600


def test_write_env_twice_gives_different_secrets(tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / ".env.example").write_text(EXAMPLE, encoding="utf-8")
        post_gen.write_env(tmp_path / name, VALID_ANSWERS)

    one, two = env_values(tmp_path / "one" / ".env"), env_values(tmp_path / "two" / ".env")
    assert one["SECRET_KEY"] != two["SECRET_KEY"]
    assert one["FIRST_ADMIN_PASSWORD"] != two["FIRST_ADMIN_PASSWORD"]


def test_write_env_leaves_an_existing_env_untouched(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text(EXAMPLE, encoding="utf-8")
    (tmp_path / ".env").write_text("SECRET_KEY=my-own-secret\n", encoding="utf-8")

    assert post_gen.write_env(tmp_path, VALID_ANSWERS) is False
    assert (tmp_path / ".env").read_text(encoding="utf-8") == "SECRET_KEY=my-own-secret\n"


def test_write_env_writes_nothing_when_a_key_is_missing(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text("SECRET_KEY=change-me\n", encoding="utf-8")

    with pytest.raises(post_gen.EnvTemplateError):
        post_gen.write_env(tmp_path, VALID_ANSWERS)
    assert not (tmp_path / ".env").exists()


def test_no_secrets_are_generated_without_authentication() -> None:
    assert post_gen.generate_secrets({**VALID_ANSWERS, "auth": "none"}) == {}


def test_prune_removes_paths_of_other_answers_and_the_folders_left_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ci/deep").mkdir(parents=True)
    (tmp_path / "ci/deep/workflow.yml").write_text("on: push\n", encoding="utf-8")
    (tmp_path / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    monkeypatch.setattr(
        post_gen,
        "OPTIONAL_PATHS",
        {
            "ci/deep/workflow.yml": ("ci", frozenset({"gitlab"})),
            "Dockerfile": ("docker", frozenset({"yes"})),
        },
    )

    removed = post_gen.prune(tmp_path, VALID_ANSWERS)

    assert removed == ["ci/deep/workflow.yml"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile"]


def test_prune_keeps_a_path_of_joined_questions_only_for_its_combination(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "test_items.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "test_items_public.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(
        post_gen,
        "OPTIONAL_PATHS",
        {
            "test_items.py": ("auth+include_example_resource", frozenset({"jwt+yes"})),
            "test_items_public.py": ("auth+include_example_resource", frozenset({"none+yes"})),
        },
    )

    post_gen.prune(tmp_path, VALID_ANSWERS)

    assert [p.name for p in tmp_path.iterdir()] == ["test_items.py"]


def test_prune_twice_changes_nothing_the_second_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    monkeypatch.setattr(post_gen, "OPTIONAL_PATHS", {"Dockerfile": ("docker", frozenset({"no"}))})
    post_gen.prune(tmp_path, VALID_ANSWERS)

    assert post_gen.prune(tmp_path, VALID_ANSWERS) == []


def test_post_gen_main_fails_loudly_when_a_key_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".env.example").write_text("SECRET_KEY=change-me\n", encoding="utf-8")
    monkeypatch.setattr(post_gen, "ANSWERS_JSON", json.dumps(VALID_ANSWERS))
    monkeypatch.chdir(tmp_path)

    assert post_gen.main() == 1
    assert "has no line for FIRST_ADMIN_PASSWORD" in capsys.readouterr().err


# --- Real bakes --------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value", "rule"), HOOK_RULE_VIOLATIONS)
def test_bake_with_bad_answer_fails_in_hook_and_leaves_nothing(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], field: str, value: str, rule: str
) -> None:
    answers = {"project_slug": VALID_ANSWERS["project_slug"], field: value}

    with pytest.raises(FailedHookException):
        bake(tmp_path, **answers)

    assert list(tmp_path.iterdir()) == []
    err_lines = capfd.readouterr().err.splitlines()
    error_lines = [line for line in err_lines if re.match(r"ERROR: \w+=", line)]
    assert len(error_lines) == 1
    assert error_lines[0].startswith(f"ERROR: {field}=")
    assert rule in error_lines[0]


@pytest.mark.parametrize(("field", "value"), [("python_version", "3.10"), ("database", "mysql")])
def test_bake_with_unknown_choice_is_rejected_by_cookiecutter_before_hooks(
    tmp_path: Path, field: str, value: str
) -> None:
    with pytest.raises(ValueError, match=f"{value} provided for choice variable {field}") as err:
        bake(tmp_path, **{field: value})

    assert str(TEMPLATE_CONTEXT[field]) in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_bake_replaying_unknown_choice_is_rejected_by_hook(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, capfd: pytest.CaptureFixture[str]
) -> None:
    # A replay file skips cookiecutter's own choice check, so the hook is the only guard.
    replay_file = tmp_path_factory.mktemp("replay") / "bad-choice.json"
    replay = {"cookiecutter": {**VALID_ANSWERS, "database": "mysql", "_copy_without_render": []}}
    replay_file.write_text(json.dumps(replay), encoding="utf-8")

    with pytest.raises(FailedHookException):
        cookiecutter(str(TEMPLATE_DIR), replay=str(replay_file), output_dir=str(tmp_path))

    assert list(tmp_path.iterdir()) == []
    assert "ERROR: database='mysql' is invalid: must be one of 'sqlite'" in capfd.readouterr().err


def test_cli_rejects_bad_slug_naming_field_and_rule(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "project_slug=1abc")

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "ERROR: project_slug='1abc' is invalid" in output
    assert "lowercase Python identifier" in output
    assert list(tmp_path.iterdir()) == []


def test_cli_rejects_unknown_database_naming_allowed_values(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "database=mysql")

    assert result.returncode != 0
    assert "mysql provided for choice variable database" in result.stderr
    assert str(TEMPLATE_CONTEXT["database"]) in result.stderr
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


def test_two_bakes_get_different_secret_keys(tmp_path: Path) -> None:
    first, second = bake(tmp_path / "first"), bake(tmp_path / "second")

    first_key = env_values(first / ".env")["SECRET_KEY"]
    second_key = env_values(second / ".env")["SECRET_KEY"]
    assert first_key != second_key
    assert "change-me" not in (first_key, second_key)


def test_bake_keeps_placeholders_in_env_example(tmp_path: Path) -> None:
    example = env_values(bake(tmp_path, author_email="ada@example.org") / ".env.example")

    assert example["SECRET_KEY"] == "change-me"
    assert example["FIRST_ADMIN_PASSWORD"] == "change-me"
    assert example["FIRST_ADMIN_EMAIL"] == "ada@example.org"


def test_bake_env_keeps_the_first_admin_email(tmp_path: Path) -> None:
    env = env_values(bake(tmp_path, author_email="ada@example.org") / ".env")

    assert env["FIRST_ADMIN_EMAIL"] == "ada@example.org"
    assert env["FIRST_ADMIN_PASSWORD"] != "change-me"


def test_rebake_over_existing_project_keeps_its_env(tmp_path: Path) -> None:
    project = bake(tmp_path)
    env_before = (project / ".env").read_bytes()

    cookiecutter(
        str(TEMPLATE_DIR), no_input=True, output_dir=str(tmp_path), overwrite_if_exists=True
    )

    assert (project / ".env").read_bytes() == env_before

"""A refused bake loses nothing and changes nothing.

The pre-generation hook prints, below its error lines, a command that repeats the bake
with every answer, the refused ones last. The unit tests call the hook's functions
(tests/support.py imports them); the real refused bakes go through cookiecutter's CLI, its
interactive prompts (on a pseudo-terminal) and cruft, and the tests paste the printed
command into bash as a user would. A project slug that names no plain folder is refused by
name (local_extensions.py gives it a stand-in folder, so that it reaches the hook), and the
output folder stays as it was.
"""

import json
import os
import pty
import re
import select
import shlex
import subprocess
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.environment import StrictEnvironment
from cookiecutter.utils import create_env_with_context

from local_extensions import PROJECT_FOLDER, project_folder
from tests.support import pre_gen
from tools.baking import (
    BIN,
    CHOICES,
    QUESTIONS,
    TEMPLATE_DIR,
    bake_command,
    default_answers,
    run,
)
from tools.snapshots import commit_all, git, snapshot

VALID_ANSWERS = default_answers()
HEADER = re.compile(
    r"To bake again with every answer kept, change the last (?:answer|\d+ answers) "
    r"\((?P<fields>[\w, ]+)\) of this command and run it:\n"
)


def answer_words(answers: dict[str, Any], refused: list[str]) -> list[str]:
    """The ``field=value`` words a ready command ends with: every answer as cookiecutter
    must get it, in question order, the refused ones last."""
    fields = [field for field in QUESTIONS if field not in refused] + refused
    return [f"{field}={pre_gen.as_typed(answers[field])}" for field in fields]


# --- pre_gen_project: the refusal and its ready command ----------------------------------------

BAKE: dict[str, Any] = {
    "template": "gh:org/repo",
    "checkout": None,
    "repo_dir": None,
    "cruft": False,
}
COMMAND_START = ["cookiecutter", "gh:org/repo", "--output-dir", "/home/me/code", "--no-input"]


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
    context = {**VALID_ANSWERS, "ci": "jenkins", "_template": "gh:org/repo", "_checkout": None}
    monkeypatch.setattr(pre_gen, "CONTEXT_JSON", json.dumps(context))
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


def folder_env() -> StrictEnvironment:
    """Cookiecutter's Jinja environment with the template's extensions, as it bakes."""
    return create_env_with_context(
        {"cookiecutter": {"_extensions": ["local_extensions.PythonStringExtension"]}}
    )


def test_the_template_folder_is_the_one_the_extension_rewrites() -> None:
    assert (TEMPLATE_DIR / PROJECT_FOLDER / "pyproject.toml").is_file()


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


# --- Real refused bakes ------------------------------------------------------------------------


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder to bake from, with cookiecutter's user config and caches kept in `tmp_path`
    and the shared environment's `cookiecutter` and `cruft` on PATH, as installed tools."""
    home = tmp_path / "home"
    config = home / "config.yaml"
    home.mkdir()
    config.write_text(
        f'cookiecutters_dir: "{home / "cookiecutters"}"\nreplay_dir: "{home / "replay"}"\n'
        f'abbreviations:\n  local: "git+file://{tmp_path / "repos"}/{{0}}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("COOKIECUTTER_CONFIG", str(config))
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "work").mkdir()
    return tmp_path / "work"


def paste(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `command` as typed into bash in `cwd`."""
    return run(cwd, "bash", "-c", command, check=False)


def refusal(output: str) -> tuple[list[str], list[str], str]:
    """Split a refusal into its error lines, the fields it says to change, and the command.

    The command is all that follows the header (it spans lines when an answer holds a line
    break), up to cookiecutter's or cruft's own report, which is not ours to test.
    """
    before, fields, after = HEADER.split(output, maxsplit=1)
    errors = [line for line in before.splitlines() if line.startswith("ERROR: ")]
    command = re.split(r"\n(?:ERROR: )?Stopping generation |\n\Z", after, maxsplit=1)[0]
    return errors, fields.split(", "), command


def test_a_refused_bake_prints_a_command_that_bash_runs_to_the_same_refusal(work: Path) -> None:
    # A local template given by a relative path, with --directory into it.
    (work / "mono" / "templates").mkdir(parents=True)
    (work / "mono" / "templates" / "backend").symlink_to(TEMPLATE_DIR, target_is_directory=True)
    seen = {
        **VALID_ANSWERS,
        "project_name": "Ünï \"q\" 's' {{ 7 }} $(touch pwned) `touch pwned` $HOME !! \\",
        "project_slug": "uni_q_s",
        "author_name": "Zoë O'Brien; echo pwned > pwned # not a comment * ? ~",
        "project_description": "  padded  ",
        "author_email": "bad\nline $(touch pwned)",
    }
    # Cookiecutter renders --no-input answers with Jinja; the raw block keeps the name's braces.
    typed = {**seen, "project_name": "{% raw %}" + seen["project_name"] + "{% endraw %}"}
    options = ["--directory", "templates/backend", "--no-input", "-o", "out"]

    words = (f"{k}={v}" for k, v in typed.items())
    first = run(work, "cookiecutter", "mono", *options, *words, check=False)

    assert first.returncode != 0
    errors, fields, command = refusal(first.stderr)
    assert [line.split("=", 1)[0] for line in errors] == [
        "ERROR: project_description",
        "ERROR: author_email",
    ]
    assert "must not start or end with a blank" in errors[0]
    assert fields == ["project_description", "author_email"]
    assert shlex.split(command) == [
        "cookiecutter",
        "mono",
        "--directory",
        "templates/backend",
        "--output-dir",
        str((work / "out").resolve()),
        "--no-input",
        *answer_words(seen, fields),
    ]

    again = paste(command, work)

    assert again.returncode != 0
    assert again.stderr == first.stderr
    assert list(work.rglob("pwned")) == []
    assert list((work / "out").iterdir()) == []


def template_repository(root: Path, directory: str = "") -> Path:
    """A git repository holding the template as it is in the working tree, in `directory`."""
    root.mkdir(parents=True)
    (root / "README.md").write_text("Templates\n", encoding="utf-8")
    git(root, "init", "-q")
    commit_all(root, "No template yet")
    git(root, "checkout", "-q", "-b", "with-template")
    snapshot(root / directory)
    commit_all(root, "The template as it is")
    git(root, "checkout", "-q", "main")
    return root


def test_the_command_keeps_an_abbreviation_the_checkout_and_the_directory(work: Path) -> None:
    # Only the branch `with-template` has the template, and only in templates/backend.
    template_repository(work.parent / "repos" / "mono", "templates/backend")
    options = ["--checkout", "with-template", "--directory", "templates/backend"]

    first = run(
        work, "cookiecutter", "local:mono", *options, "--no-input", "author_email=x@y", check=False
    )

    assert first.returncode != 0
    _, fields, command = refusal(first.stderr)
    assert fields == ["author_email"]
    assert shlex.split(command)[:9] == [
        "cookiecutter",
        "local:mono",
        *options,
        "--output-dir",
        str(work.resolve()),
        "--no-input",
    ]
    again = paste(command, work)
    assert again.returncode != 0
    assert again.stderr == first.stderr


def test_a_refused_cruft_bake_prints_the_cruft_command_that_repeats_it(work: Path) -> None:
    template = template_repository(work.parent / "repos" / "plain")
    git(template, "checkout", "-q", "with-template")
    extra = json.dumps({"author_name": "Zoë ", "author_email": "zoe@example.com"})

    first = run(
        work, "cruft", "create", str(template), "--no-input", "--extra-context", extra, check=False
    )

    assert first.returncode != 0
    errors, fields, command = refusal(first.stderr)
    assert errors == ["ERROR: author_name='Zoë ' is invalid: must not start or end with a blank"]
    words = shlex.split(command)
    assert words[:-1] == [
        "cruft",
        "create",
        str(template),
        "--output-dir",
        str(work.resolve()),
        "--no-input",
        "--extra-context",
    ]
    answers = json.loads(words[-1])
    assert list(answers) == [f for f in VALID_ANSWERS if f != "author_name"] + ["author_name"]
    assert answers["author_name"] == "Zoë "
    again = paste(command, work)
    assert again.returncode != 0
    assert refusal(again.stderr) == (errors, fields, command)
    assert list(work.iterdir()) == []


def drive_prompts(command: list[str], answers: list[str], cwd: Path) -> tuple[int, str]:
    """Run `command` on a pseudo-terminal, typing each answer at its numbered question.

    Returns the exit status and everything the terminal showed, with plain line breaks.
    """
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env={**os.environ, "TERM": "dumb"},  # no colours or cursor moves in what is shown
        start_new_session=True,
    )
    os.close(terminal)
    shown, asked_from = b"", 0
    pending = [(f"[{number}/{len(answers)}]".encode(), a) for number, a in enumerate(answers, 1)]
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if select.select([controller], [], [], 1)[0]:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:  # EIO: every process let go of the terminal
                    break
                if not chunk:
                    break
                shown += chunk
            if pending and pending[0][0] in shown[asked_from:] and shown.endswith(b": "):
                os.write(controller, pending.pop(0)[1].encode() + b"\r")
                asked_from = len(shown)
        status = process.wait(timeout=30)
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
            process.wait()
    assert not pending, f"questions left unanswered:\n{shown.decode(errors='replace')}"
    return status, shown.decode().replace("\r\n", "\n")


def typed_at_prompts(chosen: dict[str, str]) -> list[str]:
    """What a user types at each of cookiecutter's questions, in order, to answer `chosen`:
    nothing to keep the default, a choice's number, or a free answer's text."""
    typed = []
    for name in QUESTIONS:
        if name not in chosen:
            typed.append("")
        elif name in CHOICES:
            typed.append(str(CHOICES[name].index(chosen[name]) + 1))
        else:
            typed.append(chosen[name])
    return typed


def test_an_interactive_refusal_gives_a_command_that_bakes_once_the_answer_is_fixed(
    work: Path,
) -> None:
    # The newest Python, no auth, no Docker, no CI, and a bad email; defaults for the rest.
    chosen = {
        "project_name": "Billing API",
        "author_name": "Zoë Núñez",
        "author_email": "zoe@example",
        "python_version": CHOICES["python_version"][-1],
        "auth": "none",
        "docker": "no",
        "ci": "none",
    }
    command_line = ["cookiecutter", str(TEMPLATE_DIR), "-o", "out"]

    status, shown = drive_prompts(command_line, typed_at_prompts(chosen), work)

    assert status != 0
    errors, fields, command = refusal(shown)
    assert errors == [
        "ERROR: author_email='zoe@example' is invalid: must be an email address like "
        "name@example.com"
    ]
    assert fields == ["author_email"]
    assert shlex.split(command) == [
        "cookiecutter",
        str(TEMPLATE_DIR),
        "--output-dir",
        str((work / "out").resolve()),
        "--no-input",
        *answer_words(default_answers(**chosen), ["author_email"]),
    ]
    assert list((work / "out").iterdir()) == []

    # The user edits the last answer of the pasted command, and only that.
    fixed = paste(command.replace("author_email=zoe@example", "author_email=zoe@example.com"), work)

    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    project = work / "out" / "billing_api"
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert meta["authors"] == [{"name": "Zoë Núñez", "email": "zoe@example.com"}]
    assert meta["requires-python"] == f">={chosen['python_version']}"
    assert not (project / "Dockerfile").exists()
    assert not (project / "app" / "core" / "security.py").exists()


def entries(folder: Path) -> dict[str, bytes]:
    """Every path under `folder` with the content of the files."""
    return {
        str(path.relative_to(folder)): path.read_bytes() if path.is_file() else b""
        for path in folder.rglob("*")
    }


@pytest.mark.parametrize("overwrite", [[], ["--overwrite-if-exists"]], ids=["new", "overwrite"])
@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ("project_name=", "ERROR: project_name='' is invalid: must not be empty"),
        ("project_slug=", "ERROR: project_slug='' is invalid: must be a lowercase Python"),
        ("project_slug= ", "ERROR: project_slug=' ' is invalid: must be a lowercase Python"),
        ("project_slug=..", "ERROR: project_slug='..' is invalid: must be a lowercase Python"),
        ("project_slug=a/b", "ERROR: project_slug='a/b' is invalid: must be a lowercase Python"),
    ],
)
def test_a_slug_that_names_no_plain_folder_is_refused_by_name_and_changes_nothing(
    work: Path, answer: str, error: str, overwrite: list[str]
) -> None:
    (work / "unrelated.txt").write_text("mine\n", encoding="utf-8")
    before = entries(work)

    name, value = answer.split("=", 1)
    result = run(work, *bake_command(Path("."), *overwrite, **{name: value}), check=False)

    assert result.returncode != 0
    assert re.search(rf"^{re.escape(error)}", result.stderr, flags=re.MULTILINE), result.stderr
    assert "already exists" not in result.stdout + result.stderr
    assert entries(work) == before


def test_a_parent_slug_into_a_new_output_folder_leaves_its_parent_alone(work: Path) -> None:
    # Before the stand-in folder, cookiecutter created out/new/.. (that is, used out) and
    # removed it, with every file in it, when the hook refused the slug.
    (work / "out").mkdir()
    (work / "out" / "unrelated.txt").write_text("mine\n", encoding="utf-8")

    result = run(work, *bake_command(Path("out/new"), project_slug=".."), check=False)

    assert result.returncode != 0
    assert "ERROR: project_slug='..' is invalid" in result.stderr
    # Cookiecutter itself creates a missing output folder before any hook runs.
    assert entries(work / "out") == {"unrelated.txt": b"mine\n", "new": b""}

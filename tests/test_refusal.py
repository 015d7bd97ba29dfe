"""A rejected answer loses nothing: real refused bakes, through cookiecutter's CLI, its
interactive prompts (on a pseudo-terminal) and cruft, each print a command that repeats the
bake with every answer; the tests paste that command into bash as a user would. A project
slug that names no plain folder is refused by name, and the output folder stays as it was.
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

import pytest

from tests.baking import BIN, TEMPLATE_DIR
from tests.test_cruft import _commit_all, _copy_working_tree, git
from tests.test_hooks import VALID_ANSWERS, pre_gen

HEADER = re.compile(
    r"To bake again with every answer kept, change the last (?:answer|\d+ answers) "
    r"\((?P<fields>[\w, ]+)\) of this command and run it:\n"
)


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


def run(cwd: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """Run a program found on PATH in `cwd`; return its exit status and output."""
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=180)


def paste(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `command` as typed into bash in `cwd`."""
    return run(cwd, "bash", "-c", command)


def refusal(output: str) -> tuple[list[str], list[str], str]:
    """Split a refusal into its error lines, the fields it says to change, and the command.

    The command is all that follows the header (it spans lines when an answer holds a line
    break), up to cookiecutter's or cruft's own report, which is not ours to test.
    """
    before, fields, after = HEADER.split(output, maxsplit=1)
    errors = [line for line in before.splitlines() if line.startswith("ERROR: ")]
    command = re.split(r"\n(?:ERROR: )?Stopping generation |\n\Z", after, maxsplit=1)[0]
    return errors, fields.split(", "), command


def answer_words(answers: dict[str, str], refused: list[str]) -> list[str]:
    """The words a ready command ends with: every answer as cookiecutter must get it."""
    fields = [field for field in VALID_ANSWERS if field not in refused] + refused
    return [f"{field}={pre_gen.as_typed(answers[field])}" for field in fields]


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

    first = run(work, "cookiecutter", "mono", *options, *(f"{k}={v}" for k, v in typed.items()))

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
    _commit_all(root, "No template yet")
    git(root, "checkout", "-q", "-b", "with-template")
    (root / directory).mkdir(parents=True, exist_ok=True)
    _copy_working_tree(root / directory)
    _commit_all(root, "The template as it is")
    git(root, "checkout", "-q", "main")
    return root


def test_the_command_keeps_an_abbreviation_the_checkout_and_the_directory(work: Path) -> None:
    # Only the branch `with-template` has the template, and only in templates/backend.
    template_repository(work.parent / "repos" / "mono", "templates/backend")
    options = ["--checkout", "with-template", "--directory", "templates/backend"]

    first = run(work, "cookiecutter", "local:mono", *options, "--no-input", "author_email=x@y")

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

    first = run(work, "cruft", "create", str(template), "--no-input", "--extra-context", extra)

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


def test_an_interactive_refusal_gives_a_command_that_bakes_once_the_answer_is_fixed(
    work: Path,
) -> None:
    # Name, slug (derived), description, author, email (bad), python 3.12, sqlite, no auth,
    # the example resource, no Docker, no CI.
    answers = ["Billing API", "", "", "Zoë Núñez", "zoe@example", "2", "", "2", "", "2", "3"]

    status, shown = drive_prompts(["cookiecutter", str(TEMPLATE_DIR), "-o", "out"], answers, work)

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
        "project_name=Billing API",
        "project_slug=billing_api",
        "project_description=A layered FastAPI backend.",
        "author_name=Zoë Núñez",
        "python_version=3.12",
        "database=sqlite",
        "auth=none",
        "include_example_resource=yes",
        "docker=no",
        "ci=none",
        "author_email=zoe@example",
    ]
    assert list((work / "out").iterdir()) == []

    # The user edits the last answer of the pasted command, and only that.
    fixed = paste(command.replace("author_email=zoe@example", "author_email=zoe@example.com"), work)

    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    project = work / "out" / "billing_api"
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert meta["authors"] == [{"name": "Zoë Núñez", "email": "zoe@example.com"}]
    assert meta["requires-python"] == ">=3.12"
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

    result = run(work, "cookiecutter", str(TEMPLATE_DIR), "--no-input", *overwrite, answer)

    assert result.returncode != 0
    assert re.search(rf"^{re.escape(error)}", result.stderr, flags=re.MULTILINE), result.stderr
    assert "already exists" not in result.stdout + result.stderr
    assert entries(work) == before


def test_a_parent_slug_into_a_new_output_folder_leaves_its_parent_alone(work: Path) -> None:
    # Before the stand-in folder, cookiecutter created out/new/.. (that is, used out) and
    # removed it, with every file in it, when the hook refused the slug.
    (work / "out").mkdir()
    (work / "out" / "unrelated.txt").write_text("mine\n", encoding="utf-8")

    result = run(
        work, "cookiecutter", str(TEMPLATE_DIR), "--no-input", "-o", "out/new", "project_slug=.."
    )

    assert result.returncode != 0
    assert "ERROR: project_slug='..' is invalid" in result.stderr
    # Cookiecutter itself creates a missing output folder before any hook runs.
    assert entries(work / "out") == {"unrelated.txt": b"mine\n", "new": b""}

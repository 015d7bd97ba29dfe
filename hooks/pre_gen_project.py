"""Validate every answer before cookiecutter writes any file of the project.

Cookiecutter renders this file with Jinja and runs it. Cookiecutter's context (the
answers, and keys of its own that start with ``_``) arrives through Jinja's ``tojson``
filter inside a raw string, so quotes, backslashes or code in an answer are JSON data,
never Python code. Unrendered, the module still imports, so the tests call ``validate``
directly.

On a rejected answer this prints one ``ERROR:`` line per failed field to stderr,
then a command that bakes again with every answer given, and exits with status 1;
cookiecutter then removes the project directory.
"""

import json
import keyword
import os
import re
import shlex
import sys
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

CONTEXT_JSON = r"""{{ cookiecutter | tojson }}"""

# The answers of every choice question, copied from cookiecutter.json, the list that
# cookiecutter offers and checks. Only a replay file brings the hook an answer cookiecutter
# did not check, and the hook cannot read cookiecutter.json in every bake: cruft's context
# names no template folder, and for a local template cookiecutter's `_repo_dir` is the path
# as typed, relative to a folder the hook does not know. tests/test_hooks_answers.py fails
# when the two lists differ.
CHOICES: dict[str, tuple[str, ...]] = {
    "python_version": ("3.11", "3.12", "3.13"),
    "database": ("sqlite", "postgresql"),
    "auth": ("jwt", "none"),
    "include_example_resource": ("yes", "no"),
    "docker": ("yes", "no"),
    "ci": ("github", "gitlab", "none"),
}

# Package names inside the generated project, which the slug must not shadow.
RESERVED_SLUGS = frozenset({"app", "tests"})

SLUG_RE = re.compile(r"[a-z][a-z0-9_]*")
# local@domain.tld: dot-separated atoms without spaces or quotes, DNS labels, a letter TLD.
EMAIL_RE = re.compile(
    r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)

# Top-level domains reserved for special use, which the generated app (email-validator)
# refuses as login emails: the first admin could never log in with one.
SPECIAL_USE_TLDS = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})

Check = Callable[[str], bool]


def is_single_line(value: str) -> bool:
    """Return whether ``value`` has no control characters and no line or paragraph breaks."""
    return not any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in value)


def max_length(limit: int) -> Check:
    """Return a check that a value has at most ``limit`` characters."""
    return lambda value: len(value) <= limit


def is_not_keyword(value: str) -> bool:
    """Return whether ``value`` is neither a Python keyword nor a soft keyword."""
    return not (keyword.iskeyword(value) or keyword.issoftkeyword(value))


def is_not_stdlib_module(value: str) -> bool:
    """Return whether ``value`` is not the name of a standard-library module."""
    return value not in sys.stdlib_module_names


def one_of(field: str) -> tuple[Check, str]:
    """Return the check and the rule text of a choice question named ``field``."""
    allowed = CHOICES[field]
    return (lambda value: value in allowed), "must be one of " + ", ".join(map(repr, allowed))


NOT_EMPTY: tuple[Check, str] = (lambda value: bool(value.strip()), "must not be empty")
# Refused rather than trimmed, so what is baked is what was typed; an answer of blanks only
# breaks NOT_EMPTY or its format rule instead. (Cookiecutter's prompt trims typed answers;
# the command line, a replay, a user config and cruft's --extra-context do not.)
NO_OUTER_BLANKS: tuple[Check, str] = (
    lambda value: value == value.strip() or not value.strip(),
    "must not start or end with a blank",
)
SINGLE_LINE: tuple[Check, str] = (
    is_single_line,
    "must be a single line without control characters",
)

# Field -> ordered (check, rule) pairs; a field fails on every pair whose check is False.
RULES: dict[str, tuple[tuple[Check, str], ...]] = {
    "project_name": (
        NOT_EMPTY,
        NO_OUTER_BLANKS,
        SINGLE_LINE,
        (max_length(100), "must be at most 100 characters"),
    ),
    "project_slug": (
        (
            SLUG_RE.fullmatch,
            "must be a lowercase Python identifier (a-z, 0-9, _), starting with a letter",
        ),
        NO_OUTER_BLANKS,
        (max_length(64), "must be at most 64 characters"),
        (is_not_keyword, "must not be a Python keyword"),
        (
            lambda value: value not in RESERVED_SLUGS,
            "must not be 'app' or 'tests' (package names inside the generated project)",
        ),
        (is_not_stdlib_module, "must not be the name of a standard-library module"),
    ),
    "project_description": (
        NOT_EMPTY,
        NO_OUTER_BLANKS,
        SINGLE_LINE,
        (max_length(200), "must be at most 200 characters"),
    ),
    "author_name": (
        NOT_EMPTY,
        NO_OUTER_BLANKS,
        SINGLE_LINE,
        (max_length(100), "must be at most 100 characters"),
    ),
    "author_email": (
        (EMAIL_RE.fullmatch, "must be an email address like name@example.com"),
        NO_OUTER_BLANKS,
        (max_length(254), "must be at most 254 characters"),
        (
            lambda value: value.rsplit(".", 1)[-1].lower() not in SPECIAL_USE_TLDS,
            "must not use a special-use domain (.local, .test, .localhost, .invalid, ...): "
            "the app refuses those as login emails",
        ),
    ),
    **{field: (one_of(field),) for field in CHOICES},
}


def answers_of(context: Mapping[str, Any]) -> dict[str, Any]:
    """The answers in cookiecutter's context: every key but its own, which start with ``_``."""
    return {key: value for key, value in context.items() if not key.startswith("_")}


def bake_of(context: Mapping[str, Any]) -> dict[str, Any]:
    """How the bake was asked for, as far as the context tells.

    Cookiecutter sets `_template` (the template argument as typed, abbreviations
    unexpanded), `_checkout` and `_repo_dir`; cruft sets `_template` and `_commit` only.
    Neither records `--directory` as such.
    """
    return {
        "template": context.get("_template"),
        "checkout": context.get("_checkout"),
        "repo_dir": context.get("_repo_dir"),
        "cruft": "_commit" in context,
    }


def show(value: Any, limit: int = 80) -> str:
    """Return the repr of ``value``, shortened when it is long."""
    text = repr(value)
    if len(text) > limit and isinstance(value, str):
        return repr(value[: limit // 2]) + "..."
    return text


def field_problems(field: str, value: Any) -> list[str]:
    """Return the rules that ``value`` breaks as the answer to ``field``."""
    if not isinstance(value, str):
        return ["must be a string"]
    return [rule for check, rule in RULES[field] if not check(value)]


def validate(answers: Mapping[str, Any]) -> list[str]:
    """Return one error line per field whose answer breaks a rule; empty when all are valid."""
    errors = []
    for field in RULES:
        if field not in answers:
            errors.append(f"ERROR: {field} is missing")
            continue
        problems = field_problems(field, answers[field])
        if problems:
            value = show(answers[field])
            errors.append(f"ERROR: {field}={value} is invalid: {'; '.join(problems)}")
    return errors


def refused_fields(answers: Mapping[str, Any]) -> list[str]:
    """Return the fields, in question order, whose answer is given and breaks a rule."""
    return [field for field in RULES if field in answers and field_problems(field, answers[field])]


# Cookiecutter renders this file with Jinja: the raw block keeps its delimiters as they are.
# {% raw %}
def as_typed(value: Any) -> Any:
    """Return an answer as it must be passed so that cookiecutter bakes it unchanged.

    With --no-input, cookiecutter (and cruft) render every given answer as a Jinja template,
    so an answer that opens a Jinja tag gets each ``{`` written as an expression printing it.
    """
    if isinstance(value, str) and any(tag in value for tag in ("{{", "{%", "{#")):
        return value.replace("{", '{{ "{" }}')
    return value


# {% endraw %}


def template_directory(template: str, repo_dir: str | None) -> str | None:
    """Return the --directory the bake used, recovered from the folder it baked from.

    Cookiecutter joins --directory to the local path typed, or to its clone of a repository
    URL (a clone keeps its .git or .hg), and keeps only the result: ``_repo_dir``. Relative
    paths are made absolute from the same folder, so their relation holds.
    """
    if not repo_dir or template.lower().endswith(".zip"):
        return None
    folder, root = Path(os.path.abspath(repo_dir)), Path(os.path.abspath(template))
    if not folder.is_relative_to(root):
        clones = (
            p for p in (folder, *folder.parents) if (p / ".git").exists() or (p / ".hg").exists()
        )
        root = next(clones, folder)
    inside = folder.relative_to(root)
    return str(inside) if inside.parts else None


def ready_command(answers: Mapping[str, Any], bake: Mapping[str, Any], output_dir: str) -> str:
    """Return a shell command that repeats the bake with every answer, the refused ones last.

    Every answer is given, defaults too, so the command does not depend on the template's
    defaults or the user's config. Each word is quoted with ``shlex.quote`` (single quotes,
    which bash and zsh read alike, newlines included) and nothing follows the command, since
    zsh does not treat ``#`` as a comment by default.
    """
    refused = refused_fields(answers)
    fields = [field for field in RULES if field in answers and field not in refused] + refused
    given = {field: as_typed(answers[field]) for field in fields}
    template = bake["template"]
    if bake["cruft"]:  # cruft's context keeps neither its --checkout nor its --directory
        extra = json.dumps(given, ensure_ascii=False)
        words = ["cruft", "create", template, "--output-dir", output_dir, "--no-input"]
        return shlex.join([*words, "--extra-context", extra])
    words = ["cookiecutter", template]
    if bake["checkout"]:
        words += ["--checkout", bake["checkout"]]
    directory = template_directory(template, bake["repo_dir"])
    if directory:
        words += ["--directory", directory]
    words += ["--output-dir", output_dir, "--no-input"]
    pairs = [f"{field}={shlex.quote(str(value))}" for field, value in given.items()]
    return " ".join([*map(shlex.quote, words), *pairs])


def refusal(answers: Mapping[str, Any], bake: Mapping[str, Any], output_dir: str) -> list[str]:
    """Return the lines that refuse the answers: one per bad field, then the ready command."""
    lines = validate(answers)
    refused = refused_fields(answers)
    if not refused or not bake["template"]:
        return lines
    last = "the last answer" if len(refused) == 1 else f"the last {len(refused)} answers"
    return [
        *lines,
        f"To bake again with every answer kept, change {last} ({', '.join(refused)})"
        " of this command and run it:",
        ready_command(answers, bake, output_dir),
    ]


def main() -> int:
    """Validate the rendered answers; print the refusal and return 1 if one breaks a rule."""
    # The hook runs in the project folder, which is always one folder inside the output
    # folder (local_extensions.project_folder), under cookiecutter and cruft alike.
    context = json.loads(CONTEXT_JSON)
    lines = refusal(answers_of(context), bake_of(context), os.path.dirname(os.getcwd()))
    for line in lines:
        print(line, file=sys.stderr)
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())

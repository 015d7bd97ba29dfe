"""Validate every answer before cookiecutter writes any file of the project.

Cookiecutter renders this file with Jinja and runs it. The answers arrive through
Jinja's ``tojson`` filter inside a raw string, so quotes, backslashes or code in an
answer are JSON data, never Python code. Unrendered, the module still imports, so
the tests call ``validate`` directly.

On a rejected answer this prints one ``ERROR:`` line per failed field to stderr
and exits with status 1; cookiecutter then removes the project directory.
"""

import json
import keyword
import re
import sys
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

ANSWERS_JSON = r"""{
    "project_name": {{ cookiecutter.project_name | tojson }},
    "project_slug": {{ cookiecutter.project_slug | tojson }},
    "project_description": {{ cookiecutter.project_description | tojson }},
    "author_name": {{ cookiecutter.author_name | tojson }},
    "author_email": {{ cookiecutter.author_email | tojson }},
    "python_version": {{ cookiecutter.python_version | tojson }},
    "database": {{ cookiecutter.database | tojson }},
    "auth": {{ cookiecutter.auth | tojson }},
    "include_example_resource": {{ cookiecutter.include_example_resource | tojson }},
    "docker": {{ cookiecutter.docker | tojson }},
    "ci": {{ cookiecutter.ci | tojson }}
}"""

# The allowed values of every choice question; keep in step with cookiecutter.json.
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
    "python_version": (one_of("python_version"),),
    "database": (one_of("database"),),
    "auth": (one_of("auth"),),
    "include_example_resource": (one_of("include_example_resource"),),
    "docker": (one_of("docker"),),
    "ci": (one_of("ci"),),
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


def main() -> int:
    """Validate the rendered answers; print the errors and return 1 if there are any."""
    errors = validate(json.loads(ANSWERS_JSON))
    for line in errors:
        print(line, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

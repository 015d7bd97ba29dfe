"""Jinja extensions of this template, loaded by cookiecutter through `_extensions`.

Stdlib only: cookiecutter imports this module from the template folder while baking.
"""

import re
import secrets

from jinja2 import Environment
from jinja2.ext import Extension


def python_string(value: object) -> str:
    """Render `value` as a Python string literal that black and ruff leave as it is.

    Answers are data: backslashes, quotes and control characters are escaped, and
    non-ASCII characters become escapes (ruff flags look-alike characters such as a
    curly apostrophe). The quotes follow black's rule: double, unless single quotes
    need fewer backslashes.
    """
    text = str(value).replace("\\", "\\\\")
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    text = text.encode("ascii", "backslashreplace").decode("ascii")
    double = '"' + text.replace('"', '\\"') + '"'
    single = "'" + text.replace("'", "\\'") + "'"
    return single if single.count("\\") < double.count("\\") else double


# The name of the template's project folder, which cookiecutter renders on its own.
PROJECT_FOLDER = "{{cookiecutter.project_slug}}"
# One path component that cannot climb out of the output folder: never empty, `.` or `..`,
# no separator, blank or NUL. Looser than the hook's slug rule on purpose, so that a rule
# the hook may relax later never sends a valid project into a stand-in folder.
PLAIN_FOLDER_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")


def project_folder(slug: object) -> str:
    """Return the folder to bake `slug` into: the slug itself, or a fresh stand-in.

    Cookiecutter creates the project folder, runs the pre-generation hook in it, and on
    failure removes it if it created it. A slug such as ``''``, ``..`` or ``a/b`` names the
    output folder, its parent or a nested path: cookiecutter stopped with "directory already
    exists" before the hook could name the bad answer, removed a parent it had not created
    (``-o out/new`` with ``..`` removed ``out``), or left ``a`` behind. A stand-in that no
    one has is created and removed instead, and the hook, which refuses every such slug,
    says what is wrong.
    """
    text = str(slug)
    if PLAIN_FOLDER_NAME.fullmatch(text):
        return text
    return f"refused-project-slug-{secrets.token_hex(8)}"


class PythonStringExtension(Extension):
    """The template's one Jinja extension: the `python_string` and `project_folder` filters,
    and the project folder's name rendered through `project_folder`.

    It keeps its name and stays the only class in `_extensions`: `cruft update` bakes the
    project's old commit, then the new one, in one process, and Python keeps the module it
    imported first, so the new bake finds only the classes the old `local_extensions` had.

    Cookiecutter renders the folder's name with `Environment.from_string`, so a filter can
    only reach it through the source: `preprocess` sees every template source and rewrites
    the one that is exactly the folder's name, which keeps the folder itself named
    `{{cookiecutter.project_slug}}` for every tool and doc that refers to it.
    """

    def __init__(self, environment: Environment) -> None:
        """Register the filters on `environment`."""
        super().__init__(environment)
        environment.filters["python_string"] = python_string
        environment.filters["project_folder"] = project_folder

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        """Send the project folder's name through `project_folder`; leave any other source."""
        if source == PROJECT_FOLDER:
            return "{{ cookiecutter.project_slug | project_folder }}"
        return source

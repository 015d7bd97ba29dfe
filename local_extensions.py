"""Jinja filters of this template, loaded by cookiecutter through `_extensions`.

Stdlib only: cookiecutter imports this module from the template folder while baking.
"""

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


class PythonStringExtension(Extension):
    """Adds the `python_string` filter."""

    def __init__(self, environment: Environment) -> None:
        """Register the filter on `environment`."""
        super().__init__(environment)
        environment.filters["python_string"] = python_string

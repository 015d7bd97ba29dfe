"""The application package: routes, services, repositories and models."""

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def _version() -> str:
    """The version of the installed distribution, written once, in `pyproject.toml`."""
    try:
        return version({{ cookiecutter.project_slug | python_string }})
    except PackageNotFoundError:
        # A source tree run without installing it (`pip install -e .` records the metadata).
        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        found: str = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
        return found


__version__ = _version()

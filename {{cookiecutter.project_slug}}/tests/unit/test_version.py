"""The app's version: the installed distribution's, or else the one in pyproject.toml."""

import tomllib
from importlib.metadata import PackageNotFoundError
from pathlib import Path

import pytest

import app

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def test_the_version_is_the_installed_distributions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app, "version", lambda name: f"{name} 1.2.3")

    assert app._version() == "{{ cookiecutter.project_slug }} 1.2.3"


def test_a_source_tree_that_is_not_installed_reads_pyproject_toml(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def not_installed(name: str) -> str:
        raise PackageNotFoundError(name)

    monkeypatch.setattr(app, "version", not_installed)

    assert app._version() == tomllib.loads(PYPROJECT.read_text())["project"]["version"]

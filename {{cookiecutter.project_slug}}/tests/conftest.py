"""Loads the shared fixtures, tests/fixtures/shared.py, in each process that runs tests.

pytest-xdist runs the tests in worker processes (`-n auto` in pyproject.toml). Its
controller process only hands the tests out: it never imports the app nor creates a test
database, so the workers start sooner. `pytest -n 0` runs everything in one process.
"""

import pytest


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Load the shared fixtures, unless this process is pytest-xdist's controller.

    Last, so that pytest-cov already measures this process when the app is imported.
    """
    config = session.config
    listing = config.option.showfixtures or config.option.show_fixtures_per_test
    if config.pluginmanager.hasplugin("dsession") and not listing:
        return
    config.pluginmanager.import_plugin("tests.fixtures.shared")

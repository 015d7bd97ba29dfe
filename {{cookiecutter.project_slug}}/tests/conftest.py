"""Loads the shared fixtures, tests/fixtures/shared.py, in each process that runs tests.

pytest-xdist runs the tests in worker processes (`-n auto` in pyproject.toml). Its
controller process only hands the tests out: it never sets up the app nor creates a test
database, so the workers start sooner. `pytest -n 0` runs everything in one process.
"""

import pytest
{%- if cookiecutter.database == "postgresql" %}


def pytest_configure(config: pytest.Config) -> None:
    """Refuse a TEST_DATABASE_URL the app cannot use, in one line, before any worker starts.

    Workers skip it: their controller has checked, and importing the app here, before
    pytest-cov measures a worker, would leave its module-level lines uncovered.
    """
    if not hasattr(config, "workerinput"):  # pytest-xdist gives its workers this attribute
        from tests.fixtures.postgresql_database import server_url

        server_url()
{%- endif %}


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

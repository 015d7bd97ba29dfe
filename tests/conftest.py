"""Shared hooks of the template's tests."""

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the fuzzer's figures (tests/test_fuzz.py) at the end of the run, pass or fail."""
    lines = [
        str(value)
        for report in terminalreporter.getreports("passed") + terminalreporter.getreports("failed")
        for name, value in report.user_properties
        if name == "fuzz_summary"
    ]
    if lines:
        terminalreporter.section("schemathesis fuzzing")
        for line in sorted(lines):
            terminalreporter.write_line(line)

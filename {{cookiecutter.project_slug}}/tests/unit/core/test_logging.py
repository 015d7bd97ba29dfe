"""Log lines: the request id on each, JSON or text, uvicorn's loggers, no secrets."""

import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from app.core.config import Settings, get_settings
from app.core.logging import (
    HANDLER_NAME,
    REDACTED,
    UVICORN_LOGGERS,
    RequestIdFilter,
    configure_logging,
    request_id_var,
)

# Three base64url parts, the first one an encoded `{"`: what a JWT looks like.
A_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"


def _record(message: str = "hello %s", *args: object, **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord("app.test", logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """Where the app's handler writes during the test; the usual handler comes back after."""
    stream = io.StringIO()
    yield stream
    configure_logging(get_settings())


def _emit(handler: logging.Handler, record: logging.LogRecord) -> None:
    if handler.filter(record):
        handler.emit(record)


def test_a_record_outside_a_request_gets_a_dash_as_its_request_id() -> None:
    record = _record()

    RequestIdFilter().filter(record)

    assert vars(record)["request_id"] == "-"


def test_a_record_inside_a_request_gets_its_request_id() -> None:
    record = _record()
    token = request_id_var.set("abc123")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)

    assert vars(record)["request_id"] == "abc123"


def test_a_request_id_given_to_the_record_is_kept() -> None:
    record = _record(request_id="given")

    RequestIdFilter().filter(record)

    assert vars(record)["request_id"] == "given"


def test_text_lines_carry_level_logger_request_id_and_message(output: io.StringIO) -> None:
    handler = configure_logging(Settings(_env_file=None, LOG_FORMAT="text"), stream=output)

    _emit(handler, _record("hello %s", "world", request_id="rid-1"))

    assert output.getvalue().rstrip().endswith("INFO     app.test [rid-1] hello world")


def test_json_lines_parse_with_the_expected_keys_and_extras(output: io.StringIO) -> None:
    handler = configure_logging(Settings(_env_file=None, LOG_FORMAT="json"), stream=output)

    _emit(handler, _record("hello %s", "world", request_id="rid-2", status=200))

    entry = json.loads(output.getvalue())
    assert set(entry) == {"time", "level", "logger", "message", "request_id", "status"}
    assert (entry["level"], entry["logger"]) == ("INFO", "app.test")
    assert (entry["message"], entry["request_id"], entry["status"]) == ("hello world", "rid-2", 200)
    assert entry["time"].endswith("+00:00")


def test_json_lines_carry_the_exception_with_its_traceback(output: io.StringIO) -> None:
    handler = configure_logging(Settings(_env_file=None, LOG_FORMAT="json"), stream=output)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = _record("failed")
        record.exc_info = sys.exc_info()
        record.stack_info = "Stack (most recent call last):"

    _emit(handler, record)

    entry = json.loads(output.getvalue())
    assert "Traceback" in entry["exception"]
    assert "RuntimeError: boom" in entry["exception"]
    assert entry["stack"].startswith("Stack")


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_configured_secrets_and_jwts_are_redacted(output: io.StringIO, log_format: str) -> None:
    settings = Settings(
        _env_file=None,
        LOG_FORMAT=log_format,
        METRICS_TOKEN="the-metrics-token-of-this-deployment",
        SENTRY_DSN="https://sentry-public-key@sentry.example.com/1",
{%- if cookiecutter.auth == "jwt" %}
        SECRET_KEY="the-signing-key-of-this-deployment",
        FIRST_ADMIN_PASSWORD="first-admin-password-1",
{%- endif %}
    )
    handler = configure_logging(settings, stream=output)
    secrets = [
        "the-metrics-token-of-this-deployment",
        "https://sentry-public-key@sentry.example.com/1",
{%- if cookiecutter.auth == "jwt" %}
        "the-signing-key-of-this-deployment",
        "first-admin-password-1",
{%- endif %}
        A_JWT,
    ]

    _emit(handler, _record(" and ".join(secrets)))
    _emit(handler, _record("nothing to hide"))

    line, plain = output.getvalue().splitlines()
    assert [secret for secret in secrets if secret in line] == []
    assert line.count(REDACTED) == len(secrets)
    assert "nothing to hide" in plain
{%- if cookiecutter.database == "postgresql" %}


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_database_password_is_redacted_both_plain_and_percent_encoded(
    output: io.StringIO, log_format: str
) -> None:
    # The URL spells it percent-encoded; a driver's message may show it as it is.
    settings = Settings(
        _env_file=None,
        LOG_FORMAT=log_format,
        DATABASE_URL="postgres://app:p%40ss%3Aw%2Frd%25-long-enough@db/app",
    )
    handler = configure_logging(settings, stream=output)

    _emit(handler, _record("p@ss:w/rd%-long-enough and p%40ss%3Aw%2Frd%25-long-enough"))

    assert "long-enough" not in output.getvalue()
    assert output.getvalue().count(REDACTED) == 2


def test_short_values_are_not_redacted(output: io.StringIO) -> None:
    # The development default `postgres:postgres` would otherwise mask every `postgres...`.
    settings = Settings(_env_file=None, DATABASE_URL="postgresql://pg:postgres@db/app")
    handler = configure_logging(settings, stream=output)

    _emit(handler, _record("connected to postgresql"))

    assert "connected to postgresql" in output.getvalue()
{%- endif %}


def test_configuring_again_replaces_the_handler(output: io.StringIO) -> None:
    configure_logging(get_settings(), stream=output)
    handler = configure_logging(get_settings(), stream=output)

    ours = [h for h in logging.getLogger().handlers if h.get_name() == HANDLER_NAME]
    assert ours == [handler]


@pytest.mark.parametrize("name", UVICORN_LOGGERS)
def test_uvicorn_loggers_write_through_the_same_handler(
    output: io.StringIO, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # As uvicorn leaves them before it imports the app: a handler of its own, no propagation.
    uvicorn_logger = logging.getLogger(name)
    monkeypatch.setattr(uvicorn_logger, "handlers", [logging.NullHandler()])
    monkeypatch.setattr(uvicorn_logger, "propagate", False)
    configure_logging(Settings(_env_file=None, LOG_FORMAT="json"), stream=output)

    uvicorn_logger.warning("Started server process")

    assert json.loads(output.getvalue())["logger"] == name
    assert uvicorn_logger.handlers == []


def test_an_access_log_that_uvicorn_turned_off_stays_off(
    output: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `uvicorn --no-access-log` leaves its access logger without handlers, not propagating.
    access = logging.getLogger("uvicorn.access")
    monkeypatch.setattr(access, "handlers", [])
    monkeypatch.setattr(access, "propagate", False)
    configure_logging(get_settings(), stream=output)

    access.info('127.0.0.1:1 - "GET /health HTTP/1.1" 200')

    assert not access.hasHandlers()
    assert output.getvalue() == ""


def test_the_app_loggers_follow_the_log_level(output: io.StringIO) -> None:
    configure_logging(Settings(_env_file=None, LOG_LEVEL="WARNING"), stream=output)

    assert logging.getLogger("app").level == logging.WARNING

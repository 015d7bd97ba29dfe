"""Logging: one handler on the root logger, text or JSON lines, each with its request id.

`configure_logging(settings)` (called by `create_app`) installs the handler; uvicorn's own
loggers are routed through it too, so every line of the process has the same shape.
The request id comes from a context variable that `RequestLogMiddleware` sets for each
request; lines logged outside a request carry `-`.
"""

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from sqlalchemy.engine import make_url

from app.core.config import Settings

# The id of the request being served; `None` outside a request.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

NO_REQUEST_ID = "-"
HANDLER_NAME = "app"
# Loggers of uvicorn, which configures them with handlers of its own before importing the app.
# `--no-access-log` leaves `uvicorn.access` without handlers and not propagating: it stays so.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
TEXT_FORMAT = "%(asctime)s %(levelname)-8s %(name)s [%(request_id)s] %(message)s"
# A configured secret shorter than this is left alone: it would match ordinary words.
MIN_REDACTED_LENGTH = 12
REDACTED = "[redacted]"
# Anything shaped like a JWT (header.payload.signature, base64url, header starting `{"`).
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# Attributes every LogRecord has (and uvicorn's `color_message`); others came through `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))).union(
    ("message", "asctime", "request_id", "color_message")
)


class RequestIdFilter(logging.Filter):
    """Give every record a `request_id`: its own if it has one, else the current request's."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the attribute; never drop the record."""
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get() or NO_REQUEST_ID
        return True


class Redactor:
    """Masks the configured secrets and anything shaped like a JWT in a formatted line."""

    def __init__(self, secrets: list[str]) -> None:
        """Mask each of `secrets` that is long enough not to match ordinary words."""
        self._secrets = [secret for secret in secrets if len(secret) >= MIN_REDACTED_LENGTH]

    def __call__(self, line: str) -> str:
        """`line` with every secret and JWT replaced by REDACTED."""
        for secret in self._secrets:
            if secret in line:
                line = line.replace(secret, REDACTED)
        if "eyJ" in line:
            line = _JWT.sub(REDACTED, line)
        return line


class TextFormatter(logging.Formatter):
    """Readable lines for a terminal: time, level, logger, [request id], message."""

    def __init__(self, redact: Redactor) -> None:
        """Format with TEXT_FORMAT; pass every line through `redact`."""
        super().__init__(TEXT_FORMAT)
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        """Format as usual, then redact."""
        return self._redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, extras, exception."""

    def __init__(self, redact: Redactor) -> None:
        """Pass every line through `redact`."""
        super().__init__()
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        """Serialise `record` and the fields given through `extra=`."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_REQUEST_ID),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return self._redact(json.dumps(entry, default=str, ensure_ascii=False))


def configured_secrets(settings: Settings) -> list[str]:
    """The configured values that must never appear in a log line (nor an error report)."""
    values = [settings.METRICS_TOKEN.get_secret_value(), settings.SENTRY_DSN.get_secret_value()]
{%- if cookiecutter.auth == "jwt" %}
    values += [
        settings.SECRET_KEY.get_secret_value(),
        settings.FIRST_ADMIN_PASSWORD.get_secret_value(),
        settings.SMTP_PASSWORD.get_secret_value(),
    ]
{%- endif %}
    database_password = make_url(settings.DATABASE_URL).password
    if database_password:
        values.append(database_password)
    # The URL spells the password percent-encoded, and a line may quote the URL.
    encoded_password = re.search(r"://[^:/@]*:([^@]*)@", settings.DATABASE_URL)
    if encoded_password:
        values.append(encoded_password.group(1))
    return values


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Log the app's and uvicorn's records to `stream` (stderr) in `settings.LOG_FORMAT`.

    Replaces the handler a previous call installed, so calling it again is safe. Returns
    the handler.
    """
    redact = Redactor(configured_secrets(settings))
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    formatter = JsonFormatter if settings.LOG_FORMAT == "json" else TextFormatter
    handler.setFormatter(formatter(redact))

    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    logging.getLogger("app").setLevel(settings.LOG_LEVEL)
    for name in UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        if uvicorn_logger.handlers:
            uvicorn_logger.handlers.clear()
            uvicorn_logger.propagate = True
    return handler

"""Application settings, read once from the environment and `.env`."""

import os
from functools import lru_cache
from typing import Literal, Self

from pydantic import (
{%- if cookiecutter.auth == "jwt" %}
    EmailStr,
{%- endif %}
    Field,
    HttpUrl,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError
from sqlalchemy.engine import make_url

from app.core.database_url import DEFAULT_DATABASE_URL, async_database_url

Environment = Literal["local", "test", "production"]

# Where the version-1 routes are mounted; a new version gets a prefix of its own.
API_V1_PREFIX = "/api/v1"
# The shortest METRICS_TOKEN production accepts: it is all that guards /metrics.
MIN_METRICS_TOKEN_LENGTH = 32
{%- if cookiecutter.auth == "jwt" %}

# Placeholders shipped in `.env.example`; production must never run with them.
EXAMPLE_SECRETS = frozenset({"change-me", "changethis", "secret", ""})
MIN_SECRET_KEY_BYTES = 32
# The sender of `.env.example`; production needs the service's own.
EXAMPLE_SENDER = "noreply@example.com"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
{%- endif %}


class Settings(BaseSettings):
    """Every setting of the app, typed; see `.env.example` for their meaning."""

    model_config = SettingsConfigDict(
        env_file=os.environ.get("ENV_FILE", ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
        # A value set later (by a test, say) is checked and normalised like one read.
        validate_assignment=True,
    )

    ENVIRONMENT: Environment = "local"
    PROJECT_NAME: str = {{ cookiecutter.project_name | python_string }}
    # Where clients reach the API, for the `servers` of the OpenAPI document; unset, it says
    # `/`: the host the document was fetched from.
    PUBLIC_URL: HttpUrl | None = None
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Log lines as readable text (development) or one JSON object each (production).
    LOG_FORMAT: Literal["text", "json"] = "text"
    DEBUG: bool = False

    # Stored as the URL of DATABASE_DRIVER, whichever accepted form it was given in.
    DATABASE_URL: str = DEFAULT_DATABASE_URL
    DATABASE_ECHO: bool = False
    # Connection pool of each worker process (on SQLite too, but for the recycle and ping).
    DATABASE_POOL_SIZE: int = Field(default=10, ge=1)
    DATABASE_MAX_OVERFLOW: int = Field(default=0, ge=0)
    DATABASE_POOL_TIMEOUT: float = Field(default=30.0, gt=0)
    DATABASE_POOL_RECYCLE: int = Field(default=1800, ge=-1)
    DATABASE_POOL_PRE_PING: bool = False
    # psycopg prepares a statement run 5 times on a connection; PgBouncer before 1.21 (in
    # transaction mode) cannot follow that: turn it off there.
    DATABASE_PREPARED_STATEMENTS: bool = True
{%- if cookiecutter.auth == "jwt" %}

    SECRET_KEY: SecretStr = SecretStr("change-me")
    JWT_ALGORITHM: Literal["HS256", "HS384", "HS512"] = "HS256"
    # Who issues the tokens and whom they are for: both are checked on decode.
    JWT_ISSUER: str = {{ cookiecutter.project_slug | python_string }}
    JWT_AUDIENCE: str = {{ cookiecutter.project_slug | python_string }}
    ACCESS_TOKEN_EXPIRE_MINUTES: int = Field(default=15, gt=0)
    REFRESH_TOKEN_EXPIRE_DAYS: int = Field(default=14, gt=0)

    # This many failed logins for one email within the window lock it for the lockout.
    LOGIN_MAX_FAILURES: int = Field(default=5, ge=1)
    LOGIN_FAILURE_WINDOW_MINUTES: int = Field(default=15, gt=0)
    LOGIN_LOCKOUT_MINUTES: int = Field(default=15, gt=0)
    # A mailed reset link works this long; recovery requests per email and per client
    # address are limited within the login failure window.
    PASSWORD_RESET_EXPIRE_MINUTES: int = Field(default=30, gt=0, le=1440)
    PASSWORD_RECOVERY_MAX_PER_EMAIL: int = Field(default=3, ge=1)
    PASSWORD_RECOVERY_MAX_PER_ADDRESS: int = Field(default=20, ge=1)
    # A recovery request answers no sooner than this, whether the email has an account or not.
    PASSWORD_RECOVERY_MIN_ANSWER_MS: int = Field(default=250, ge=0, le=5000)
    # Whether new addresses are confirmed by a mailed link: `off` mails none (an email change
    # takes effect at once), `optional` mails one, `required` also lets an unverified user
    # only sign in and read their account. Each user may ask for so many links a window.
    EMAIL_VERIFICATION: Literal["off", "optional", "required"] = "optional"
    EMAIL_VERIFICATION_EXPIRE_HOURS: int = Field(default=48, gt=0, le=720)
    EMAIL_VERIFICATION_MAX_PER_USER: int = Field(default=3, ge=1)

    PASSWORD_MIN_LENGTH: int = Field(default=8, ge=8)
    PASSWORD_MAX_LENGTH: int = Field(default=128, le=1024)
    PASSWORD_HASH_CONCURRENCY: int = Field(default=0, ge=0)
    # Argon2 cost; the defaults are OWASP's (19 MiB, 2 passes: ~20 ms of CPU per hash).
    # RFC 9106's second recommendation (64 MiB, 3 passes) costs about 7 times as much.
    # Tests lower them.
    ARGON2_TIME_COST: int = Field(default=2, ge=1)
    # Argon2 needs 8 KiB per lane, and the hasher uses 4 lanes: less cannot hash at all.
    ARGON2_MEMORY_COST_KIB: int = Field(default=19456, ge=32)
{%- endif %}

    CORS_ORIGINS: list[str] = []
    # Host names the app answers to (the Host header); ["*"] allows any.
    ALLOWED_HOSTS: list[str] = ["*"]
    # Strict-Transport-Security max-age, in seconds; 0 sends no HSTS header.
    HSTS_SECONDS: int = Field(default=0, ge=0)
    # Request bodies larger than this answer 413.
    MAX_REQUEST_BODY_BYTES: int = Field(default=1024 * 1024, ge=1)
    PAGINATION_MAX_LIMIT: int = Field(default=100, ge=1)
{%- if cookiecutter.auth == "jwt" %}

    FIRST_ADMIN_EMAIL: str = {{ cookiecutter.author_email | python_string }}
    FIRST_ADMIN_PASSWORD: SecretStr = SecretStr("change-me")

    # Mail, sent by the background jobs (app/jobs) through this SMTP server; without a host,
    # outside production, each message is written to EMAILS_DEV_DIR instead.
    SMTP_HOST: str = ""
    SMTP_PORT: int = Field(default=587, ge=1, le=65535)
    SMTP_USER: str = ""
    SMTP_PASSWORD: SecretStr = SecretStr("")
    SMTP_TLS: bool = True
    SMTP_SSL: bool = False
    SMTP_TIMEOUT_SECONDS: float = Field(default=30.0, gt=0)
    EMAILS_FROM_EMAIL: EmailStr = EXAMPLE_SENDER
    EMAILS_FROM_NAME: str = Field(default={{ cookiecutter.project_name | python_string }}, max_length=100)
    # Where the links in mails lead: the frontend's pages.
    FRONTEND_URL: HttpUrl = HttpUrl("http://localhost:3000")
    EMAILS_DEV_DIR: str = "dev-mail"
    MAIL_MAX_ATTEMPTS: int = Field(default=10, ge=1)
    # The wait before a mail's second attempt; it doubles each time, up to an hour.
    MAIL_RETRY_SECONDS: float = Field(default=30.0, gt=0)
    # Sent and given-up mails are deleted after this many days.
    MAIL_KEEP_DAYS: int = Field(default=30, ge=1)

    # The background jobs: whether the app's own process runs them too, how many at once,
    # and how often a worker looks for due ones.
    JOBS_IN_PROCESS: bool = True
    JOBS_CONCURRENCY: int = Field(default=4, ge=1)
    JOBS_POLL_SECONDS: float = Field(default=2.0, gt=0)
{%- endif %}

    # Observability, each off until set: traces over OTLP (the OTEL_* variables of the
    # OpenTelemetry SDK say where), Prometheus metrics on /metrics, errors to Sentry.
    TRACING_ENABLED: bool = False
    METRICS_ENABLED: bool = False
    METRICS_TOKEN: SecretStr = SecretStr("")
    SENTRY_DSN: SecretStr = SecretStr("")

    @field_validator("DATABASE_URL")
    @classmethod
    def _use_the_async_driver(cls, url: str) -> str:
        return async_database_url(url)

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        """In production, refuse unsafe values, naming every setting at fault at once."""
        if self.ENVIRONMENT != "production":
            return self
        problems: list[str] = []
{%- if cookiecutter.auth == "jwt" %}
        secret = self.SECRET_KEY.get_secret_value()
        if secret in EXAMPLE_SECRETS or len(secret.encode()) < MIN_SECRET_KEY_BYTES:
            problems.append(
                f"SECRET_KEY must be a random value of at least {MIN_SECRET_KEY_BYTES} bytes "
                "in production, not the example one"
            )
        if self.FIRST_ADMIN_PASSWORD.get_secret_value() in EXAMPLE_SECRETS:
            problems.append("FIRST_ADMIN_PASSWORD must not be the example value in production")
        if not self.SMTP_HOST:
            problems.append(
                "SMTP_HOST must be set in production: the account mails (password recovery, "
                "verification) go through it"
            )
        if self.EMAILS_FROM_EMAIL == EXAMPLE_SENDER:
            problems.append("EMAILS_FROM_EMAIL must be this service's own sender in production")
        if self.FRONTEND_URL.host in LOCAL_HOSTS:
            problems.append(
                "FRONTEND_URL must be the frontend's public address in production: "
                "the links in mails lead there"
            )
        if self.SMTP_USER and not (self.SMTP_TLS or self.SMTP_SSL):
            problems.append(
                "SMTP_TLS or SMTP_SSL must be true in production when SMTP_USER is set "
                "(or SMTP_PASSWORD travels in the clear)"
            )
{%- endif %}
        if self.DEBUG:
            problems.append("DEBUG must be false in production")
        if "*" in self.CORS_ORIGINS:
            problems.append(
                "CORS_ORIGINS must list origins, not '*', in production "
                "(credentials are allowed, so '*' would let any site act as the user)"
            )
        token = self.METRICS_TOKEN.get_secret_value()
        if self.METRICS_ENABLED and len(token) < MIN_METRICS_TOKEN_LENGTH:
            problems.append(
                f"METRICS_TOKEN must be set, at least {MIN_METRICS_TOKEN_LENGTH} characters, "
                "when METRICS_ENABLED is true in production (or anyone could read /metrics)"
            )
        if problems:
            raise ValueError("\n".join(problems))
        return self
{%- if cookiecutter.auth == "jwt" %}

    @model_validator(mode="after")
    def _one_kind_of_smtp_tls(self) -> Self:
        if self.SMTP_TLS and self.SMTP_SSL:
            raise ValueError(
                "SMTP_TLS and SMTP_SSL exclude each other: STARTTLS (SMTP_TLS, port 587) "
                "upgrades a plain connection, SMTP_SSL (port 465) is encrypted from the start"
            )
        return self
{%- endif %}

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is an SQLite file (or memory)."""
        return make_url(self.DATABASE_URL).get_backend_name() == "sqlite"


def describe_invalid_settings(error: ValidationError) -> str:
    """One line per wrong setting, naming it and what is wrong.

    A value is never shown, as it may be a secret; DATABASE_URL's refusal shows the URL with
    its password masked. Each line stands alone, as a log collector reads it.
    """
    lines = []
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        name = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        lines += [f"{name}: {line}" if name else line for line in message.splitlines()]
    return "\n".join(lines)


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read on first use.

    Invalid settings stop the process (`SystemExit`, status 1) with a message that names
    each wrong setting, instead of a traceback: `uvicorn app.main:app` prints it and exits.
    """
    try:
        return Settings()
    except ValidationError as error:
        raise SystemExit(describe_invalid_settings(error)) from None
    except SettingsError as error:
        raise SystemExit(f"Invalid settings: {error}") from None

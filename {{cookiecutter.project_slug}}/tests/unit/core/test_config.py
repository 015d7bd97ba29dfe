"""Settings: typed values, the test isolation, and the production safety checks."""

import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy.engine import make_url

{% if cookiecutter.auth == "jwt" -%}
from app.core.config import (
    MIN_METRICS_TOKEN_LENGTH,
    MIN_SECRET_KEY_BYTES,
    Settings,
    describe_invalid_settings,
    get_settings,
)
{%- else -%}
from app.core.config import (
    MIN_METRICS_TOKEN_LENGTH,
    Settings,
    describe_invalid_settings,
    get_settings,
)
{%- endif %}
from app.core.database_url import (
    DATABASE_DRIVER,
    DATABASE_URL_FORMS,
    MASK,
    async_database_url,
    mask_password,
)
from tests.fixtures.{{ cookiecutter.database }}_database import ACCEPTED_URLS, REFUSED_URLS
{%- if cookiecutter.auth == "jwt" %}

GOOD_SECRET = "s" * MIN_SECRET_KEY_BYTES
{%- endif %}


def _settings(**overrides: Any) -> Settings:
    """Settings from these values and the test environment, never from a `.env` file."""
    return Settings(_env_file=None, **overrides)


def _production(**overrides: Any) -> Settings:
    """Production settings that pass every check unless `overrides` break one."""
    fields: dict[str, Any] = {
        "ENVIRONMENT": "production",
{%- if cookiecutter.auth == "jwt" %}
        "SECRET_KEY": GOOD_SECRET,
        "FIRST_ADMIN_PASSWORD": "a-real-admin-password-1",
{%- endif %}
        "DEBUG": False,
        "CORS_ORIGINS": ["https://app.example.com"],
    }
    return _settings(**(fields | overrides))


# ---------------------------------------------------------------- test isolation


def test_the_tests_read_no_dotenv_file() -> None:
    env_file = Settings.model_config.get("env_file")

    assert env_file == os.environ["ENV_FILE"]
    assert not Path(str(env_file)).exists()


def test_the_tests_use_an_isolated_database_in_a_temporary_directory() -> None:
    settings = get_settings()

    assert settings.ENVIRONMENT == "test"
    assert async_database_url(os.environ["DATABASE_URL"]) == settings.DATABASE_URL
    assert "./app.db" not in settings.DATABASE_URL


def test_settings_are_read_once_and_shared() -> None:
    assert get_settings() is get_settings()


# ---------------------------------------------------------------- values


def test_a_list_setting_is_read_from_json_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORS_ORIGINS", '["http://localhost:5173"]')

    assert _settings().CORS_ORIGINS == ["http://localhost:5173"]


def test_a_dotenv_file_is_read_when_one_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROJECT_NAME", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("PROJECT_NAME=From the file\n", encoding="utf-8")

    assert Settings(_env_file=env_file).PROJECT_NAME == "From the file"
{%- if cookiecutter.auth == "jwt" %}


def test_an_argon2_memory_cost_too_small_to_hash_is_refused() -> None:
    with pytest.raises(ValidationError, match="ARGON2_MEMORY_COST_KIB"):
        _settings(ARGON2_MEMORY_COST_KIB=31)


def test_a_password_minimum_below_eight_is_refused() -> None:
    with pytest.raises(ValidationError, match="PASSWORD_MIN_LENGTH"):
        _settings(PASSWORD_MIN_LENGTH=7)
{%- endif %}


# ---------------------------------------------------------------- DATABASE_URL


@pytest.mark.parametrize(("url", "expected"), ACCEPTED_URLS)
def test_every_accepted_database_url_is_kept_as_the_url_of_the_async_driver(
    url: str, expected: str
) -> None:
    settings = _settings(DATABASE_URL=url)

    assert settings.DATABASE_URL.startswith(f"{DATABASE_DRIVER}://")
    # Compared part by part: how SQLAlchemy spells `:memory:` changed between versions.
    assert make_url(settings.DATABASE_URL) == make_url(expected)
    assert settings.is_sqlite is {{ cookiecutter.database == "sqlite" }}


def test_the_default_database_url_is_already_the_async_drivers() -> None:
    default = Settings.model_fields["DATABASE_URL"].default

    assert async_database_url(default) == default
{%- if cookiecutter.database == "postgresql" %}


def test_a_percent_encoded_password_stays_encoded_next_to_the_query() -> None:
    settings = _settings(DATABASE_URL="postgres://app:p%40ss%3Aw%2Frd%25@db/app?sslmode=require")

    assert settings.DATABASE_URL == (
        "postgresql+psycopg://app:p%40ss%3Aw%2Frd%25@db/app?sslmode=require"
    )
    assert make_url(settings.DATABASE_URL).password == "p@ss:w/rd%"
{%- endif %}


def test_a_database_url_set_later_is_normalised_too(settings: Settings) -> None:
    copy = settings.model_copy()

    url, expected = ACCEPTED_URLS[0]
    copy.DATABASE_URL = url

    assert make_url(copy.DATABASE_URL) == make_url(expected)


@pytest.mark.parametrize(("url", "problem"), REFUSED_URLS)
def test_every_refused_database_url_names_the_setting_masks_the_password_and_lists_the_forms(
    url: str, problem: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        _settings(DATABASE_URL=url)

    message = describe_invalid_settings(caught.value)
    assert message == f"DATABASE_URL: {problem}; this project needs {DATABASE_URL_FORMS}"
    assert "s3cret" not in message


def test_a_refused_database_url_stops_the_process_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(SystemExit) as caught:
        _read_settings(monkeypatch, DATABASE_URL="mysql://app:s3cret-pass@db/app")

    assert str(caught.value).splitlines() == [
        f"DATABASE_URL: 'mysql://app:{MASK}@db/app' names another database or driver; "
        f"this project needs {DATABASE_URL_FORMS}"
    ]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://app:hunter2@db:5432/app", f"postgresql://app:{MASK}@db:5432/app"),
        ("postgresql://app@db/app", "postgresql://app@db/app"),
        ("postgresql://db:5432/app?sslmode=require", "postgresql://db:5432/app?sslmode=require"),
        ("sqlite:///./app.db", "sqlite:///./app.db"),
        # All of a password whose @ or :// is not encoded, and one SQLAlchemy cannot parse.
        ("postgres://app:p@ss@db/app", f"postgres://app:{MASK}@db/app"),
        ("postgres://app:a://b@db/app", f"postgres://app:{MASK}@db/app"),
        ("postgresql://app:hunter2@db:port/app", f"postgresql://app:{MASK}@db:port/app"),
        ("app:hunter2@db/app", f"app:{MASK}@db/app"),
        ("not a URL", "not a URL"),
    ],
)
def test_mask_password_masks_every_password_and_nothing_else(url: str, shown: str) -> None:
    assert mask_password(url) == shown


# ---------------------------------------------------------------- production checks
{%- if cookiecutter.auth == "jwt" %}


def test_outside_production_the_example_secrets_are_allowed() -> None:
    settings = _settings(ENVIRONMENT="local", SECRET_KEY="change-me", DEBUG=True)

    assert settings.SECRET_KEY.get_secret_value() == "change-me"
{%- else %}


def test_outside_production_unsafe_values_are_allowed() -> None:
    settings = _settings(ENVIRONMENT="local", DEBUG=True, CORS_ORIGINS=["*"])

    assert settings.DEBUG
{%- endif %}


def test_production_accepts_safe_settings() -> None:
    assert _production().ENVIRONMENT == "production"
{%- if cookiecutter.auth == "jwt" %}


@pytest.mark.parametrize("secret", ["change-me", "changethis", "secret", ""])
def test_production_refuses_an_example_secret_key(secret: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        _production(SECRET_KEY=secret)


def test_production_refuses_a_secret_key_shorter_than_32_bytes() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        _production(SECRET_KEY="s" * (MIN_SECRET_KEY_BYTES - 1))


def test_production_counts_the_secret_key_length_in_bytes_not_characters() -> None:
    # 16 characters of two bytes each: 32 bytes.
    assert _production(SECRET_KEY="é" * 16).ENVIRONMENT == "production"


def test_production_refuses_the_example_admin_password() -> None:
    with pytest.raises(ValidationError, match="FIRST_ADMIN_PASSWORD"):
        _production(FIRST_ADMIN_PASSWORD="change-me")
{%- endif %}


def test_production_refuses_debug() -> None:
    with pytest.raises(ValidationError, match="DEBUG"):
        _production(DEBUG=True)


def test_production_refuses_a_wildcard_cors_origin() -> None:
    with pytest.raises(ValidationError, match="CORS_ORIGINS"):
        _production(CORS_ORIGINS=["*"])


def test_production_refuses_metrics_without_a_token() -> None:
    with pytest.raises(ValidationError, match="METRICS_TOKEN must be set"):
        _production(METRICS_ENABLED=True)


def test_production_refuses_a_metrics_token_shorter_than_32_characters() -> None:
    with pytest.raises(ValidationError, match="METRICS_TOKEN"):
        _production(METRICS_ENABLED=True, METRICS_TOKEN="t" * (MIN_METRICS_TOKEN_LENGTH - 1))


def test_production_accepts_metrics_behind_a_long_token() -> None:
    settings = _production(METRICS_ENABLED=True, METRICS_TOKEN="t" * MIN_METRICS_TOKEN_LENGTH)

    assert settings.METRICS_ENABLED


{%- if cookiecutter.auth == "jwt" %}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SMTP_HOST": ""}, "SMTP_HOST must be set in production"),
        ({"EMAILS_FROM_EMAIL": "noreply@example.com"}, "EMAILS_FROM_EMAIL must be this service's"),
        ({"FRONTEND_URL": "http://localhost:3000"}, "FRONTEND_URL must be the frontend's public"),
        ({"SMTP_USER": "mailer", "SMTP_TLS": False}, "SMTP_TLS or SMTP_SSL must be true"),
    ],
)
def test_production_refuses_mail_that_could_not_go_out_or_would_go_badly(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _production(**overrides)


def test_production_accepts_a_relay_without_a_user_and_without_tls() -> None:
    assert _production(SMTP_TLS=False, SMTP_USER="").SMTP_HOST


@pytest.mark.parametrize("environment", ["local", "production"])
def test_starttls_and_ssl_at_once_are_refused_everywhere(environment: str) -> None:
    with pytest.raises(ValidationError, match="SMTP_TLS and SMTP_SSL exclude each other"):
        _production(ENVIRONMENT=environment, SMTP_TLS=True, SMTP_SSL=True)


def test_production_without_smtp_settings_stops_the_process_naming_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(SystemExit) as caught:
        _read_settings(
            monkeypatch,
            ENVIRONMENT="production",
            SMTP_HOST="",
            EMAILS_FROM_EMAIL="noreply@example.com",
            SMTP_PASSWORD="smtp-secret-not-shown",
        )

    lines = str(caught.value).splitlines()
    assert [line.split(" must ")[0] for line in lines] == ["SMTP_HOST", "EMAILS_FROM_EMAIL"]
    assert "smtp-secret-not-shown" not in str(caught.value)
{%- endif %}


def test_production_names_every_unsafe_setting_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
{%- if cookiecutter.auth == "jwt" %}
        _production(DEBUG=True, CORS_ORIGINS=["*"], SECRET_KEY="change-me")
{%- else %}
        _production(DEBUG=True, CORS_ORIGINS=["*"])
{%- endif %}

    message = str(caught.value)
{%- if cookiecutter.auth == "jwt" %}
    assert all(name in message for name in ("SECRET_KEY", "DEBUG", "CORS_ORIGINS"))
{%- else %}
    assert all(name in message for name in ("DEBUG", "CORS_ORIGINS"))
{%- endif %}


# ---------------------------------------------------------------- refusing to start


def _read_settings(monkeypatch: pytest.MonkeyPatch, **environment: str) -> Settings:
    """Read the settings as `get_settings()` does on first use, with this environment."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return get_settings.__wrapped__()


def test_unsafe_production_settings_stop_the_process_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(SystemExit) as caught:
        _read_settings(monkeypatch, ENVIRONMENT="production", DEBUG="true", CORS_ORIGINS='["*"]')

    lines = str(caught.value).splitlines()
    assert lines[0] == "DEBUG must be false in production"
    assert lines[1].startswith("CORS_ORIGINS must list origins, not '*', in production")
    assert len(lines) == 2
{%- if cookiecutter.auth == "jwt" %}


def test_the_message_names_a_weak_secret_key_without_showing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(SystemExit) as caught:
        _read_settings(monkeypatch, ENVIRONMENT="production", SECRET_KEY="short-but-secret")

    assert "SECRET_KEY must be a random value of at least 32 bytes" in str(caught.value)
    assert "short-but-secret" not in str(caught.value)
{%- endif %}


def test_a_setting_of_the_wrong_type_stops_the_process_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(SystemExit) as caught:
        _read_settings(monkeypatch, PAGINATION_MAX_LIMIT="lots")

    assert str(caught.value).startswith("PAGINATION_MAX_LIMIT: Input should be a valid integer")
    assert "lots" not in str(caught.value)


def test_a_list_setting_that_is_not_json_stops_the_process_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(SystemExit, match='field "ALLOWED_HOSTS"'):
        _read_settings(monkeypatch, ALLOWED_HOSTS="api.example.com")


def test_the_hardening_defaults_suit_development(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALLOWED_HOSTS", "HSTS_SECONDS", "MAX_REQUEST_BODY_BYTES", "LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)

    settings = _settings()

    assert settings.ALLOWED_HOSTS == ["*"]
    assert settings.HSTS_SECONDS == 0
    assert settings.MAX_REQUEST_BODY_BYTES == 1024 * 1024
    assert settings.LOG_FORMAT == "text"

"""Application settings, read once from the environment and `.env`."""

import os
from functools import lru_cache
from typing import Literal, Self

from pydantic import Field, {% if cookiecutter.auth == "jwt" %}SecretStr, {% endif %}model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["local", "test", "production"]

# Where the version-1 routes are mounted; a new version gets a prefix of its own.
API_V1_PREFIX = "/api/v1"
{%- if cookiecutter.auth == "jwt" %}

# Placeholders shipped in `.env.example`; production must never run with them.
EXAMPLE_SECRETS = frozenset({"change-me", "changethis", "secret", ""})
MIN_SECRET_KEY_BYTES = 32
{%- endif %}


class Settings(BaseSettings):
    """Every setting of the app, typed; see `.env.example` for their meaning."""

    model_config = SettingsConfigDict(
        env_file=os.environ.get("ENV_FILE", ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
    )

    ENVIRONMENT: Environment = "local"
    PROJECT_NAME: str = {{ cookiecutter.project_name | python_string }}
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    DEBUG: bool = False

    DATABASE_URL: str = {% if cookiecutter.database == "postgresql" %}"postgresql+psycopg://postgres:postgres@localhost:5432/{{ cookiecutter.project_slug }}"{% else %}"sqlite+aiosqlite:///./app.db"{% endif %}
    DATABASE_ECHO: bool = False
    # Connection pool of a database server (SQLite, one local file, has none).
    DATABASE_POOL_SIZE: int = Field(default=5, ge=1)
    DATABASE_MAX_OVERFLOW: int = Field(default=10, ge=0)
    DATABASE_POOL_TIMEOUT: float = Field(default=30.0, gt=0)
    DATABASE_POOL_RECYCLE: int = Field(default=1800, ge=-1)
{%- if cookiecutter.auth == "jwt" %}

    SECRET_KEY: SecretStr = SecretStr("change-me")
    JWT_ALGORITHM: Literal["HS256", "HS384", "HS512"] = "HS256"
    ACCESS_TOKEN_EXPIRE_MINUTES: int = Field(default=15, gt=0)
    REFRESH_TOKEN_EXPIRE_DAYS: int = Field(default=14, gt=0)

    PASSWORD_MIN_LENGTH: int = Field(default=8, ge=8)
    PASSWORD_MAX_LENGTH: int = Field(default=128, le=1024)
    PASSWORD_HASH_CONCURRENCY: int = Field(default=0, ge=0)
    # Argon2 cost; the defaults follow RFC 9106's second recommendation. Tests lower them.
    ARGON2_TIME_COST: int = Field(default=3, ge=1)
    # Argon2 needs 8 KiB per lane, and the hasher uses 4 lanes: less cannot hash at all.
    ARGON2_MEMORY_COST_KIB: int = Field(default=65536, ge=32)
{%- endif %}

    CORS_ORIGINS: list[str] = []
    PAGINATION_MAX_LIMIT: int = Field(default=100, ge=1)
{%- if cookiecutter.auth == "jwt" %}

    FIRST_ADMIN_EMAIL: str = {{ cookiecutter.author_email | python_string }}
    FIRST_ADMIN_PASSWORD: SecretStr = SecretStr("change-me")
{%- endif %}

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.ENVIRONMENT != "production":
            return self
{%- if cookiecutter.auth == "jwt" %}
        secret = self.SECRET_KEY.get_secret_value()
        if secret in EXAMPLE_SECRETS or len(secret.encode()) < MIN_SECRET_KEY_BYTES:
            raise ValueError(
                f"SECRET_KEY must be a random value of at least {MIN_SECRET_KEY_BYTES} bytes "
                "in production, not the example one"
            )
        if self.FIRST_ADMIN_PASSWORD.get_secret_value() in EXAMPLE_SECRETS:
            raise ValueError("FIRST_ADMIN_PASSWORD must not be the example value in production")
{%- endif %}
        if self.DEBUG:
            raise ValueError("DEBUG must be false in production")
        if "*" in self.CORS_ORIGINS:
            raise ValueError("CORS_ORIGINS must list origins, not '*', in production")
        return self

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is an SQLite file (or memory)."""
        return self.DATABASE_URL.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read on first use."""
    return Settings()

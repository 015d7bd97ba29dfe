"""DATABASE_URL in the forms people have, turned into the URL of the engine's async driver.

The settings (`config.py`) pass every DATABASE_URL through `async_database_url()`, so the
app, Alembic, the command line and the tests all get the same URL. It reads no setting, so
the tests can import it before they set their environment up (importing `config.py` fixes
which `.env` file the settings read).
"""

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

# The async driver of the engine. Every accepted form of DATABASE_URL (DATABASE_SCHEMES) is
# turned into its URL, so a change of driver is the one line below and the dependency in
# pyproject.toml. DATABASE_URL_FORMS is what a refused URL is told.
{%- if cookiecutter.database == "postgresql" %}
DATABASE_DRIVER = "postgresql+psycopg"
# Platforms hand out postgres://, most tools write postgresql://.
DATABASE_SCHEMES = frozenset(
    {DATABASE_DRIVER, "postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"}
)
DATABASE_URL_FORMS = (
    "a PostgreSQL URL: postgres://USER:PASSWORD@HOST:PORT/NAME, postgresql://..., "
    "postgresql+psycopg://... or postgresql+psycopg2://..."
)
DEFAULT_DATABASE_URL = f"{DATABASE_DRIVER}://postgres:postgres@localhost:5432/{{ cookiecutter.project_slug }}"
{%- else %}
DATABASE_DRIVER = "sqlite+aiosqlite"
# Most tutorials and tools write sqlite:///.
DATABASE_SCHEMES = frozenset({DATABASE_DRIVER, "sqlite", "sqlite+pysqlite", "sqlite+aiosqlite"})
DATABASE_URL_FORMS = (
    "an SQLite URL: sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite:// (in "
    "memory), sqlite+aiosqlite:///... or sqlite+pysqlite:///..."
)
DEFAULT_DATABASE_URL = f"{DATABASE_DRIVER}:///./app.db"
{%- endif %}

# How a password shows, and any secret of the settings (`settings` of the command line).
MASK = "**********"


def async_database_url(url: str) -> str:
    """`url`, in any accepted form, as the URL of DATABASE_DRIVER.

    User, password, host, port, database and query parameters (`sslmode`...) are kept, and
    percent-encoded characters stay encoded. Raises ValueError, showing `url` with its
    password masked and the accepted forms, for a URL this project cannot use.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # no `scheme://`, or a port that is not a number
        problem = "is not a URL"
    else:
        if "@" in (parsed.host or ""):
            problem = "has an @ that is not percent-encoded (write it %40)"
        elif parsed.drivername not in DATABASE_SCHEMES:
            problem = "names another database or driver"
        elif parsed.get_backend_name() == "sqlite" and (parsed.host or parsed.username):
            problem = (
                "names a host or a user "
                "(sqlite:/// takes a relative path, sqlite://// an absolute one)"
            )
        else:
            return parsed.set(drivername=DATABASE_DRIVER).render_as_string(hide_password=False)
    raise ValueError(f"{mask_password(url)!r} {problem}; this project needs {DATABASE_URL_FORMS}")


def mask_password(url: str) -> str:
    """`url` with its password, if it has one, shown as MASK.

    The password runs from the first `:` after `scheme://` to the last `@`. This also masks
    URLs that SQLAlchemy cannot parse, and all of a password whose `@` is not encoded, which
    SQLAlchemy would read as part of the host.
    """
    credentials, at, host = url.rpartition("@")
    scheme, separator, user_and_password = credentials.partition("://")
    if not separator:
        scheme, user_and_password = "", credentials
    user, colon, _ = user_and_password.partition(":")
    if not (at and colon):
        return url
    return f"{scheme}{separator}{user}:{MASK}@{host}"

"""Finish the generated project: prune what the answers left out, write ``.env``.

Cookiecutter renders this file with Jinja and runs it inside the generated project.
Cookiecutter's context (the answers, and keys of its own that start with ``_``) arrives
through Jinja's ``tojson`` filter inside a raw string, so it is JSON data, never Python
code. Unrendered, the module still imports, so the tests call its functions directly.

``KEPT_WHEN`` names every file and folder that belongs to an answer, under the condition
on the answers that keeps it. ``.env`` is written only when it does not exist yet, so
re-generating over an existing project never rewrites its secrets. Both steps are safe to
run again.
"""

import json
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

CONTEXT_JSON = r"""{{ cookiecutter | tojson }}"""

Answers = Mapping[str, str]


def answers_of(context: Mapping[str, Any]) -> dict[str, Any]:
    """The answers in cookiecutter's context: every key but its own, which start with ``_``."""
    return {key: value for key, value in context.items() if not key.startswith("_")}


ENV_EXAMPLE = ".env.example"
# The example resource is what the project's own `new-resource` command makes of this spec;
# the generated README gives the same command.
EXAMPLE_RESOURCE = ("item", ["title:str(200)", "description:str(2000)?"])
ENV_FILE = ".env"


# The conditions on the answers that decide which files a bake keeps.
def sqlite(answers: Answers) -> bool:
    return answers["database"] == "sqlite"


def postgresql(answers: Answers) -> bool:
    return answers["database"] == "postgresql"


def docker(answers: Answers) -> bool:
    return answers["docker"] == "yes"


def github_ci(answers: Answers) -> bool:
    return answers["ci"] == "github"


def gitlab_ci(answers: Answers) -> bool:
    return answers["ci"] == "gitlab"


def jwt(answers: Answers) -> bool:
    return answers["auth"] == "jwt"


def sqlite_jobs(answers: Answers) -> bool:
    return jwt(answers) and sqlite(answers)


def postgresql_jobs(answers: Answers) -> bool:
    return jwt(answers) and postgresql(answers)


def example_resource(answers: Answers) -> bool:
    return answers["include_example_resource"] == "yes"


# Condition on the answers -> the paths (files or folders, relative to the project) that
# belong to it. When the condition is false they are removed, and so are the folders left
# empty. `example_resource` has no entry: add_example_resource writes its files.
KEPT_WHEN: dict[Callable[[Answers], bool], tuple[str, ...]] = {
    sqlite: (
        "tests/fixtures/sqlite_database.py",
        "tests/unit/repositories/test_sqlite_connections.py",
    ),
    postgresql: ("tests/fixtures/postgresql_database.py",),
    docker: ("Dockerfile", ".dockerignore", "compose.yaml", "docs/docker.md"),
    github_ci: (".github",),
    gitlab_ci: (".gitlab-ci.yml",),
    # Authentication: users, roles, tokens and the first admin.
    jwt: (
        "alembic/versions/0001_initial.py",
        "app/api/v1/auth.py",
        "app/api/v1/users.py",
        "app/core/security.py",
        "app/initial_data.py",
        "app/models/auth_session.py",
        "app/models/login_throttle.py",
        "app/models/user.py",
        "app/repositories/auth_sessions.py",
        "app/repositories/login_throttles.py",
        "app/repositories/users.py",
        "app/repositories/sql/auth_sessions.py",
        "app/repositories/sql/login_throttles.py",
        "app/repositories/sql/users.py",
        "app/schemas/auth.py",
        "app/schemas/user.py",
        "app/services/auth.py",
        "app/services/passwords.py",
        "app/services/users.py",
        "docs/security.md",
        "tests/fixtures/factories.py",
        "tests/fixtures/fakes_auth.py",
        "tests/fixtures/http.py",
        "tests/integration/api/test_access.py",
        "tests/integration/api/test_attacks.py",
        "tests/integration/api/test_auth.py",
        "tests/integration/api/test_users.py",
        "tests/integration/test_initial_data.py",
        "tests/unit/core/test_security.py",
        "tests/unit/repositories/test_sql_auth_sessions.py",
        "tests/unit/repositories/test_sql_login_throttles.py",
        "tests/unit/repositories/test_sql_users.py",
        "tests/unit/services/test_auth_service.py",
        "tests/unit/services/test_passwords.py",
        "tests/unit/services/test_user_service.py",
        # Mail, and the background jobs that deliver it: they serve the accounts.
        "alembic/versions/0002_account_mail.py",
        "alembic/versions/0004_email_verification.py",
        "app/jobs",
        "app/mail",
        "app/models/account_token.py",
        "app/models/mail.py",
        "app/repositories/account_tokens.py",
        "app/repositories/mails.py",
        "app/repositories/sql/account_tokens.py",
        "app/repositories/sql/mails.py",
        "app/schemas/mail.py",
        "app/services/account_mail.py",
        "app/services/account_recovery.py",
        "app/services/email_verification.py",
        "app/services/housekeeping.py",
        "app/services/mail_check.py",
        "app/templates",
        "tests/fixtures/outbox.py",
        "tests/fixtures/smtp.py",
        "tests/fixtures/workers.py",
        "tests/integration/api/test_email_verification.py",
        "tests/integration/api/test_password_recovery.py",
        "tests/integration/mail",
        "tests/unit/mail",
        "tests/unit/repositories/test_sql_mails.py",
        "tests/unit/services/test_account_recovery_service.py",
        "tests/unit/services/test_email_verification_service.py",
        "tests/unit/services/test_housekeeping_service.py",
        "tests/unit/services/test_mail_check_service.py",
    ),
    # The accounts' jobs: procrastinate's on PostgreSQL, the project's own runner on SQLite.
    sqlite_jobs: ("app/jobs/sqlite_worker.py",),
    postgresql_jobs: (
        "alembic/versions/0003_job_queue.py",
        "app/jobs/postgresql_worker.py",
        "app/repositories/sql/job_queue.py",
        "tests/fixtures/job_queue.py",
        "tests/integration/mail/test_postgresql_workers.py",
        "tests/integration/test_job_queue_schema.py",
        "tests/unit/repositories/test_sql_job_queue.py",
    ),
}


class EnvTemplateError(Exception):
    """Raised when .env.example lacks a key that .env needs."""


def generate_secrets(answers: Mapping[str, str]) -> dict[str, str]:
    """Return fresh values for the secret keys of ``.env`` that the answers call for.

    The JWT key carries 384 random bits; the admin password 144 bits in 24
    URL-safe characters (no quotes, spaces or ``#``, so no quoting is needed).
    Without authentication there are no secrets.
    """
    if not jwt(answers):
        return {}
    return {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "FIRST_ADMIN_PASSWORD": generate_password(),
    }


def generate_password() -> str:
    """Return a random password that the app's policy accepts: letters mixed with others.

    About one in 145 draws of 24 URL-safe characters is letters only, which the policy
    rejects, so draw until the mix is there.
    """
    while True:
        password = secrets.token_urlsafe(18)
        if not password.isalpha():
            return password


def defined_keys(text: str) -> set[str]:
    """Return the keys of the ``KEY=value`` lines of a dotenv text."""
    return set(re.findall(r"^([A-Za-z_][A-Za-z0-9_]*)=", text, flags=re.MULTILINE))


def set_value(text: str, key: str, value: str) -> str:
    """Return ``text`` with the value of every line that starts with ``KEY=`` set to ``value``."""
    pattern = re.compile(rf"^{re.escape(key)}=[^\r\n]*", flags=re.MULTILINE)
    return pattern.sub(lambda _match: f"{key}={value}", text)


def render_env(example: str, values: Mapping[str, str]) -> str:
    """Return ``example`` with the value of each ``KEY=`` line in ``values`` replaced.

    Only lines that start with ``KEY=`` change; comments, other lines and line
    endings stay as they are. Raises ``EnvTemplateError`` naming the missing keys
    if ``example`` does not define every key of ``values``.
    """
    missing = [key for key in values if key not in defined_keys(example)]
    if missing:
        raise EnvTemplateError(f"{ENV_EXAMPLE} has no line for {', '.join(missing)}")
    for key, value in values.items():
        example = set_value(example, key, value)
    return example


def write_env(project_dir: Path, answers: Mapping[str, str]) -> bool:
    """Write ``.env`` from ``.env.example`` with fresh secrets, readable by the owner only.

    Returns False, changing nothing, if ``.env`` already exists.
    """
    env_path = project_dir / ENV_FILE
    if env_path.exists():
        return False
    example = (project_dir / ENV_EXAMPLE).read_bytes().decode("utf-8")
    content = render_env(example, generate_secrets(answers)).encode("utf-8")
    fd = os.open(env_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as env_file:
        env_file.write(content)
    return True


def prune(project_dir: Path, answers: Mapping[str, str]) -> list[str]:
    """Remove the paths that the answers leave out, then the folders left empty.

    Returns the removed paths. Paths already gone are skipped, so running it twice
    changes nothing.
    """
    removed = []
    for keep, paths in KEPT_WHEN.items():
        if keep(answers):
            continue
        for relative in paths:
            path = project_dir / relative
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()
            else:
                continue
            removed.append(relative)
    for folder in sorted(project_dir.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
            folder.rmdir()
    return removed


def add_example_resource(project_dir: Path, answers: Mapping[str, str]) -> bool:
    """Generate the example resource with the project's own generator, if it was asked for.

    The generator needs only the standard library and Jinja, which cookiecutter brings.
    Its output is used as it comes (no formatter runs here), so the template's tests see
    exactly what a user's bake holds. Baking again over the project (`--overwrite-if-exists`)
    rewrites the files the template holds, and so the generated ones too.
    """
    if not example_resource(answers):
        return False
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(project_dir))
    try:
        from app.scaffold import generate
        from app.scaffold.spec import parse_resource
    finally:
        sys.path.remove(str(project_dir))
    name, fields = EXAMPLE_RESOURCE
    resource = parse_resource(name, fields, plural=None, public=False, auth=jwt(answers))
    for path in generate.FILES.values():
        revision = f"*_{resource.plural}"  # the revision's number follows the ones before it
        pattern = path.format(name=resource.name, plural=resource.plural, revision=revision)
        for stale in project_dir.glob(pattern):
            stale.unlink()
    generate.write(project_dir, generate.plan(project_dir, resource, formatted=False))
    return True


def main() -> int:
    """Prune and write ``.env`` in the generated project; print what happened."""
    answers = answers_of(json.loads(CONTEXT_JSON))
    env_path = Path.cwd() / ENV_FILE
    try:
        prune(Path.cwd(), answers)
        written = write_env(Path.cwd(), answers)
    except (OSError, UnicodeError, EnvTemplateError) as error:
        print(f"ERROR: could not write {env_path}: {error}", file=sys.stderr)
        return 1
    try:
        add_example_resource(Path.cwd(), answers)
    except (OSError, ImportError, ValueError) as error:
        print(f"ERROR: could not generate the example resource: {error}", file=sys.stderr)
        return 1
    if written and jwt(answers):
        print(
            f"Wrote {env_path} with a fresh SECRET_KEY and FIRST_ADMIN_PASSWORD "
            f"for the first admin {answers['author_email']}."
        )
    elif written:
        print(f"Wrote {env_path}.")
    else:
        print(f"Kept the existing {env_path}; its secrets are unchanged.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

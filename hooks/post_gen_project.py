"""Finish the generated project: prune what the answers left out, write ``.env``.

Cookiecutter renders this file with Jinja and runs it inside the generated project.
The answers arrive through Jinja's ``tojson`` filter inside a raw string, so they are
JSON data, never Python code. Unrendered, the module still imports, so the tests call
its functions directly.

``OPTIONAL_PATHS`` is the one place that knows which files belong to which answer.
``.env`` is written only when it does not exist yet, so re-generating over an
existing project never rewrites its secrets. Both steps are safe to run again.
"""

import json
import os
import re
import secrets
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

ANSWERS_JSON = r"""{
    "project_name": {{ cookiecutter.project_name | tojson }},
    "project_slug": {{ cookiecutter.project_slug | tojson }},
    "project_description": {{ cookiecutter.project_description | tojson }},
    "author_name": {{ cookiecutter.author_name | tojson }},
    "author_email": {{ cookiecutter.author_email | tojson }},
    "python_version": {{ cookiecutter.python_version | tojson }},
    "database": {{ cookiecutter.database | tojson }},
    "auth": {{ cookiecutter.auth | tojson }},
    "include_example_resource": {{ cookiecutter.include_example_resource | tojson }},
    "docker": {{ cookiecutter.docker | tojson }},
    "ci": {{ cookiecutter.ci | tojson }}
}"""

ENV_EXAMPLE = ".env.example"
# The example resource is what the project's own `new-resource` command makes of this spec;
# the generated README gives the same command.
EXAMPLE_RESOURCE = ("item", ["title:str(200)", "description:str(2000)?"])
ENV_FILE = ".env"

# Path (file or folder, relative to the project) -> (question, answers that keep it).
# Every other answer removes the path; folders left empty are removed too. A path that
# depends on several questions joins them with "+", and its answers join theirs the same
# way: ("auth+include_example_resource", frozenset({"jwt+yes"})) keeps a path only then.
OPTIONAL_PATHS: dict[str, tuple[str, frozenset[str]]] = {
    "tests/fixtures/sqlite_database.py": ("database", frozenset({"sqlite"})),
    "tests/unit/repositories/test_sqlite_connections.py": ("database", frozenset({"sqlite"})),
    "tests/fixtures/postgresql_database.py": ("database", frozenset({"postgresql"})),
    "Dockerfile": ("docker", frozenset({"yes"})),
    ".dockerignore": ("docker", frozenset({"yes"})),
    "compose.yaml": ("docker", frozenset({"yes"})),
    "docs/docker.md": ("docker", frozenset({"yes"})),
    ".github": ("ci", frozenset({"github"})),
    ".gitlab-ci.yml": ("ci", frozenset({"gitlab"})),
    # Authentication: users, roles, tokens and the first admin.
    "app/api/v1/auth.py": ("auth", frozenset({"jwt"})),
    "app/api/v1/users.py": ("auth", frozenset({"jwt"})),
    "app/core/security.py": ("auth", frozenset({"jwt"})),
    "docs/security.md": ("auth", frozenset({"jwt"})),
    "app/initial_data.py": ("auth", frozenset({"jwt"})),
    "app/models/auth_session.py": ("auth", frozenset({"jwt"})),
    "app/models/login_throttle.py": ("auth", frozenset({"jwt"})),
    "app/models/user.py": ("auth", frozenset({"jwt"})),
    "app/repositories/sql/auth_sessions.py": ("auth", frozenset({"jwt"})),
    "app/repositories/sql/login_throttles.py": ("auth", frozenset({"jwt"})),
    "app/repositories/sql/users.py": ("auth", frozenset({"jwt"})),
    "app/schemas/auth.py": ("auth", frozenset({"jwt"})),
    "app/schemas/user.py": ("auth", frozenset({"jwt"})),
    "app/services/auth.py": ("auth", frozenset({"jwt"})),
    "app/services/passwords.py": ("auth", frozenset({"jwt"})),
    "app/services/users.py": ("auth", frozenset({"jwt"})),
    "tests/fixtures/http.py": ("auth", frozenset({"jwt"})),
    "tests/integration/api/test_access.py": ("auth", frozenset({"jwt"})),
    "tests/integration/api/test_attacks.py": ("auth", frozenset({"jwt"})),
    "tests/integration/api/test_auth.py": ("auth", frozenset({"jwt"})),
    "tests/integration/api/test_users.py": ("auth", frozenset({"jwt"})),
    "tests/integration/test_initial_data.py": ("auth", frozenset({"jwt"})),
    "tests/unit/core/test_security.py": ("auth", frozenset({"jwt"})),
    "tests/unit/repositories/test_sql_auth_sessions.py": ("auth", frozenset({"jwt"})),
    "tests/unit/repositories/test_sql_login_throttles.py": ("auth", frozenset({"jwt"})),
    "tests/unit/repositories/test_sql_users.py": ("auth", frozenset({"jwt"})),
    "tests/unit/services/test_auth_service.py": ("auth", frozenset({"jwt"})),
    "tests/unit/services/test_passwords.py": ("auth", frozenset({"jwt"})),
    "tests/unit/services/test_user_service.py": ("auth", frozenset({"jwt"})),
    "alembic/versions/0001_initial.py": ("auth", frozenset({"jwt"})),
    "tests/fixtures/factories.py": ("auth", frozenset({"jwt"})),
    "tests/fixtures/fakes_auth.py": ("auth", frozenset({"jwt"})),
    "app/repositories/users.py": ("auth", frozenset({"jwt"})),
    "app/repositories/auth_sessions.py": ("auth", frozenset({"jwt"})),
    "app/repositories/login_throttles.py": ("auth", frozenset({"jwt"})),
    # Mail and the background jobs that deliver it: they serve the accounts.
    "app/jobs": ("auth", frozenset({"jwt"})),
    "app/jobs/sqlite_worker.py": ("database", frozenset({"sqlite"})),
    "app/jobs/postgresql_worker.py": ("database", frozenset({"postgresql"})),
    "app/mail": ("auth", frozenset({"jwt"})),
    "app/models/mail.py": ("auth", frozenset({"jwt"})),
    "app/models/account_token.py": ("auth", frozenset({"jwt"})),
    "app/repositories/account_tokens.py": ("auth", frozenset({"jwt"})),
    "app/repositories/sql/account_tokens.py": ("auth", frozenset({"jwt"})),
    "app/services/account_recovery.py": ("auth", frozenset({"jwt"})),
    "tests/unit/services/test_account_recovery_service.py": ("auth", frozenset({"jwt"})),
    "tests/integration/api/test_password_recovery.py": ("auth", frozenset({"jwt"})),
    "app/repositories/mails.py": ("auth", frozenset({"jwt"})),
    "app/repositories/sql/mails.py": ("auth", frozenset({"jwt"})),
    "app/repositories/sql/job_queue.py": ("database+auth", frozenset({"postgresql+jwt"})),
    "app/schemas/mail.py": ("auth", frozenset({"jwt"})),
    "app/services/housekeeping.py": ("auth", frozenset({"jwt"})),
    "app/services/mail_check.py": ("auth", frozenset({"jwt"})),
    "app/templates": ("auth", frozenset({"jwt"})),
    "alembic/versions/0002_account_mail.py": ("auth", frozenset({"jwt"})),
    "alembic/versions/0003_job_queue.py": ("database+auth", frozenset({"postgresql+jwt"})),
    "tests/fixtures/job_queue.py": ("database+auth", frozenset({"postgresql+jwt"})),
    "tests/fixtures/outbox.py": ("auth", frozenset({"jwt"})),
    "tests/fixtures/smtp.py": ("auth", frozenset({"jwt"})),
    "tests/fixtures/workers.py": ("auth", frozenset({"jwt"})),
    "tests/integration/mail": ("auth", frozenset({"jwt"})),
    "tests/integration/mail/test_postgresql_workers.py": (
        "database+auth",
        frozenset({"postgresql+jwt"}),
    ),
    "tests/integration/test_job_queue_schema.py": ("database+auth", frozenset({"postgresql+jwt"})),
    "tests/unit/mail": ("auth", frozenset({"jwt"})),
    "tests/unit/repositories/test_sql_job_queue.py": (
        "database+auth",
        frozenset({"postgresql+jwt"}),
    ),
    "tests/unit/repositories/test_sql_mails.py": ("auth", frozenset({"jwt"})),
    "tests/unit/services/test_housekeeping_service.py": ("auth", frozenset({"jwt"})),
    "tests/unit/services/test_mail_check_service.py": ("auth", frozenset({"jwt"})),
}


class EnvTemplateError(Exception):
    """Raised when .env.example lacks a key that .env needs."""


def generate_secrets(answers: Mapping[str, str]) -> dict[str, str]:
    """Return fresh values for the secret keys of ``.env`` that the answers call for.

    The JWT key carries 384 random bits; the admin password 144 bits in 24
    URL-safe characters (no quotes, spaces or ``#``, so no quoting is needed).
    Without authentication there are no secrets.
    """
    if answers.get("auth", "jwt") == "none":
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
    for relative, (question, keep_for) in OPTIONAL_PATHS.items():
        path = project_dir / relative
        answer = "+".join(answers[part] for part in question.split("+"))
        if answer in keep_for or not (path.exists() or path.is_symlink()):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
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
    if answers["include_example_resource"] != "yes":
        return False
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(project_dir))
    try:
        from app.scaffold import generate
        from app.scaffold.spec import parse_resource
    finally:
        sys.path.remove(str(project_dir))
    name, fields = EXAMPLE_RESOURCE
    resource = parse_resource(
        name, fields, plural=None, public=False, auth=answers["auth"] == "jwt"
    )
    for path in generate.FILES.values():
        revision = f"*_{resource.plural}"  # the revision's number follows the ones before it
        pattern = path.format(name=resource.name, plural=resource.plural, revision=revision)
        for stale in project_dir.glob(pattern):
            stale.unlink()
    generate.write(project_dir, generate.plan(project_dir, resource, formatted=False))
    return True


def main() -> int:
    """Prune and write ``.env`` in the generated project; print what happened."""
    answers = json.loads(ANSWERS_JSON)
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
    if written and answers["auth"] == "jwt":
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

"""Template-level tests of the deployment files: the Dockerfile, .dockerignore and
compose.yaml of `docker=yes`, and the CI definitions of `ci=github` and `ci=gitlab`.

Each variant is baked once per worker through cookiecutter's API (about a tenth of a
second). The tests check that the files an answer leaves out are gone, read the files that
stay with `yaml.safe_load` or line by line to check what they do, and run real linters
that work offline: hadolint on the Dockerfile, check-jsonschema with the schemas it
ships for the compose specification, GitHub workflows and GitLab CI, Compose's own parser
(`docker compose config`, or Debian's docker-compose where the plugin is missing: no engine is
needed), and actionlint (with shellcheck on every `run` script) on the generated workflow and
the template's own.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from cookiecutter.main import cookiecutter

from tests.baking import template_leftovers

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHOICES: dict[str, list[str]] = {
    name: answers
    for name, answers in json.loads(
        (TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8")
    ).items()
    if not name.startswith("_") and isinstance(answers, list)
}
DATABASES = CHOICES["database"]
PYTHON_VERSIONS = CHOICES["python_version"]

DOCKER_FILES = ["Dockerfile", ".dockerignore", "compose.yaml"]
GITHUB_WORKFLOW = ".github/workflows/ci.yml"
GITLAB_CI = ".gitlab-ci.yml"
# The workflow that tests the template itself; it is not rendered, so it is checked as it is.
TEMPLATE_WORKFLOW = TEMPLATE_DIR / ".github/workflows/template.yml"
CI_FILES = {"github": GITHUB_WORKFLOW, "gitlab": GITLAB_CI}
INSTALL = 'pip install -e ".[dev]"'
# The checks of the generated README, in the order CI runs them.
CHECKS = [
    "ruff check .",
    "black --check .",
    "mypy --strict app",
    "lint-imports",
    "alembic upgrade head",
    "alembic check",
    "pytest",
]
POSTGRES_IMAGE = re.compile(r"^postgres:1[56](\.\d+)*(-alpine)?$")
GITHUB_DATABASE_URLS = {
    "DATABASE_URL": "postgresql+psycopg://postgres:postgres@localhost:5432/app",
    "TEST_DATABASE_URL": "postgresql+psycopg://postgres:postgres@localhost:5432/postgres",
}
GITLAB_DATABASE_URLS = {
    "DATABASE_URL": "postgresql+psycopg://postgres:postgres@postgres:5432/app",
    "TEST_DATABASE_URL": "postgresql+psycopg://postgres:postgres@postgres:5432/postgres",
}

Bake = Callable[..., Path]


@pytest.fixture(scope="session")
def bake(tmp_path_factory: pytest.TempPathFactory) -> Bake:
    """Bake the template with the given answers (defaults for the rest), once per worker.

    The baked projects are shared between tests: read them, never change them.
    """
    baked: dict[tuple[tuple[str, str], ...], Path] = {}

    def _bake(**answers: str) -> Path:
        key = tuple(sorted(answers.items()))
        if key not in baked:
            output = tmp_path_factory.mktemp("deploy")
            project = cookiecutter(
                str(TEMPLATE_DIR), no_input=True, extra_context=answers, output_dir=str(output)
            )
            baked[key] = Path(project)
        return baked[key]

    return _bake


@pytest.fixture(scope="session")
def compose() -> list[str]:
    """The command line of Compose: Docker's plugin where it is installed, else docker-compose.

    `config` parses, interpolates and validates a compose file without a Docker engine. CI
    installs Debian's docker-compose (.ci/run); elsewhere a missing Compose is a skip.
    """
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    if standalone := shutil.which("docker-compose"):
        return [standalone]
    reason = "no `docker compose` and no docker-compose: apt-get install -y docker-compose"
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def compose_config(compose: list[str], project: Path) -> subprocess.CompletedProcess[str]:
    """`config --quiet` on the compose.yaml of `project`: the exit code says whether it is valid."""
    return subprocess.run(
        [*compose, "--file", "compose.yaml", "config", "--quiet"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_tool(*command: str) -> subprocess.CompletedProcess[str]:
    """Run a linter installed beside this Python (requirements-test.txt)."""
    return subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def actionlint(workflow: Path) -> subprocess.CompletedProcess[str]:
    """actionlint on one workflow file, one finding a line, with shellcheck on the `run` scripts.

    Both binaries come from wheels (requirements-test.txt), so nothing is downloaded. Python
    steps (`shell: python`) would go to pyflakes, which none of the workflows has.
    """
    return run_tool(
        "actionlint",
        "-no-color",
        "-oneline",
        "-shellcheck",
        str(BIN / "shellcheck"),
        "-pyflakes=",
        str(workflow),
    )


def load_yaml(path: Path) -> dict[str, Any]:
    """Parse a YAML file that must hold a mapping."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """The (INSTRUCTION, arguments) of a Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", path.read_text(encoding="utf-8"))
    instructions = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def arguments_of(path: Path, keyword: str) -> list[str]:
    """The arguments of every `keyword` instruction of a Dockerfile, in order."""
    return [arguments for name, arguments in dockerfile_instructions(path) if name == keyword]


def github_commands(workflow: dict[str, Any]) -> list[str]:
    """Every shell command the workflow's job runs, in order, one per line of `run`."""
    (job,) = workflow["jobs"].values()
    return [
        line.strip()
        for step in job["steps"]
        for line in step.get("run", "").splitlines()
        if line.strip()
    ]


def gitlab_job(config: dict[str, Any]) -> dict[str, Any]:
    """The one job of a GitLab CI configuration: the mapping that has a `script`."""
    (job,) = [value for value in config.values() if isinstance(value, dict) and "script" in value]
    return job


# Pruning: which answers keep which files.


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("relative", DOCKER_FILES)
def test_docker_files_are_removed_when_docker_is_no(
    bake: Bake, relative: str, database: str
) -> None:
    assert not (bake(docker="no", database=database) / relative).exists()


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("relative", DOCKER_FILES)
def test_docker_files_are_generated_when_docker_is_yes(
    bake: Bake, relative: str, database: str
) -> None:
    assert (bake(docker="yes", database=database) / relative).is_file()


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("ci", CHOICES["ci"])
def test_only_the_chosen_ci_definition_is_generated(bake: Bake, ci: str, database: str) -> None:
    project = bake(ci=ci, database=database)
    present = {name for name, relative in CI_FILES.items() if (project / relative).exists()}
    assert present == ({ci} & CI_FILES.keys())


@pytest.mark.parametrize("ci", ["gitlab", "none"])
def test_no_github_folder_is_left_without_github_ci(bake: Bake, ci: str) -> None:
    assert not (bake(ci=ci) / ".github").exists()


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize(("docker", "ci"), [("yes", "github"), ("yes", "gitlab"), ("no", "none")])
def test_no_template_syntax_is_left_in_any_file(
    bake: Bake, docker: str, ci: str, database: str
) -> None:
    project = bake(docker=docker, ci=ci, database=database)
    assert template_leftovers(project) == []


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize(("docker", "ci"), [("yes", "github"), ("yes", "gitlab"), ("no", "none")])
def test_no_empty_file_or_folder_is_left(bake: Bake, docker: str, ci: str, database: str) -> None:
    project = bake(docker=docker, ci=ci, database=database)
    empty = [
        str(path.relative_to(project))
        for path in project.rglob("*")
        if (path.is_dir() and not any(path.iterdir()))
        or (path.is_file() and path.stat().st_size == 0)
    ]
    assert empty == []


# Dockerfile and .dockerignore.


def test_dockerfile_is_multi_stage(bake: Bake) -> None:
    dockerfile = bake(docker="yes") / "Dockerfile"
    stages = arguments_of(dockerfile, "FROM")
    assert len(stages) >= 2
    assert all(re.fullmatch(r"\S+ AS \w+", stage, flags=re.IGNORECASE) for stage in stages)
    assert any(arguments.startswith("--from=") for arguments in arguments_of(dockerfile, "COPY"))


@pytest.mark.parametrize("python_version", PYTHON_VERSIONS)
def test_dockerfile_bases_every_stage_on_the_chosen_python(bake: Bake, python_version: str) -> None:
    dockerfile = bake(docker="yes", python_version=python_version) / "Dockerfile"
    images = {stage.split()[0] for stage in arguments_of(dockerfile, "FROM")}
    assert images == {f"python:{python_version}-slim"}


def test_dockerfile_installs_dependencies_before_copying_the_app(bake: Bake) -> None:
    instructions = dockerfile_instructions(bake(docker="yes") / "Dockerfile")
    copy_metadata = instructions.index(("COPY", "pyproject.toml README.md ./"))
    install = next(
        index
        for index, (name, arguments) in enumerate(instructions)
        if name == "RUN" and "pip install" in arguments
    )
    copy_app = next(
        index
        for index, (name, arguments) in enumerate(instructions)
        if name == "COPY" and arguments.split()[0] == "app"
    )
    assert copy_metadata < install < copy_app


def test_dockerfile_runs_as_a_non_root_user(bake: Bake) -> None:
    users = arguments_of(bake(docker="yes") / "Dockerfile", "USER")
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_healthcheck_probes_health_with_the_standard_library(bake: Bake) -> None:
    (healthcheck,) = arguments_of(bake(docker="yes") / "Dockerfile", "HEALTHCHECK")
    assert "/health" in healthcheck
    assert "urllib.request" in healthcheck
    assert "curl" not in healthcheck


def test_dockerfile_serves_uvicorn_on_port_8000(bake: Bake) -> None:
    dockerfile = bake(docker="yes") / "Dockerfile"
    assert arguments_of(dockerfile, "EXPOSE") == ["8000"]
    (command,) = arguments_of(dockerfile, "CMD")
    assert json.loads(command) == [
        "uvicorn",
        "app.main:app",
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
        # The app logs one access line per request itself (app.access), with its request id.
        "--no-access-log",
    ]


@pytest.mark.parametrize("database", DATABASES)
def test_hadolint_accepts_the_dockerfile(bake: Bake, database: str) -> None:
    dockerfile = bake(docker="yes", database=database) / "Dockerfile"
    result = run_tool("hadolint", "--no-color", str(dockerfile))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("pattern", [".env", ".venv", "**/__pycache__", "**/*.db", ".git"])
def test_dockerignore_keeps_secrets_caches_and_databases_out(bake: Bake, pattern: str) -> None:
    lines = (bake(docker="yes") / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert pattern in lines


# compose.yaml.


@pytest.mark.parametrize("database", DATABASES)
def test_compose_builds_the_app_from_the_dockerfile_with_the_env_file(
    bake: Bake, database: str
) -> None:
    app = load_yaml(bake(docker="yes", database=database) / "compose.yaml")["services"]["app"]
    assert app["build"] == "."
    assert app["env_file"] == ".env"


@pytest.mark.parametrize("database", DATABASES)
def test_compose_app_migrates_the_database_before_serving(bake: Bake, database: str) -> None:
    app = load_yaml(bake(docker="yes", database=database) / "compose.yaml")["services"]["app"]
    command = app["command"]
    assert "alembic upgrade head &&" in command
    assert command.index("alembic upgrade head") < command.index("uvicorn app.main:app")
    assert "--host 0.0.0.0 --port 8000" in command


def test_compose_postgresql_db_is_health_checked_with_pg_isready(bake: Bake) -> None:
    services = load_yaml(bake(docker="yes", database="postgresql") / "compose.yaml")["services"]
    db = services["db"]
    assert POSTGRES_IMAGE.match(db["image"])
    assert {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"} <= db["environment"].keys()
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_compose_postgresql_db_keeps_its_data_on_a_named_volume(bake: Bake) -> None:
    compose = load_yaml(bake(docker="yes", database="postgresql") / "compose.yaml")
    (volume,) = compose["services"]["db"]["volumes"]
    name, target = volume.split(":")
    assert target == "/var/lib/postgresql/data"
    assert name in compose["volumes"]


def test_compose_app_waits_for_a_healthy_db(bake: Bake) -> None:
    app = load_yaml(bake(docker="yes", database="postgresql") / "compose.yaml")["services"]["app"]
    assert app["depends_on"] == {"db": {"condition": "service_healthy"}}


def test_compose_app_connects_to_the_db_service_with_psycopg(bake: Bake) -> None:
    app = load_yaml(bake(docker="yes", database="postgresql") / "compose.yaml")["services"]["app"]
    url = app["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://")
    assert "@db:5432/" in url


def test_compose_sqlite_has_no_db_service(bake: Bake) -> None:
    services = load_yaml(bake(docker="yes", database="sqlite") / "compose.yaml")["services"]
    assert set(services) == {"app", "worker", "mailpit"}


@pytest.mark.parametrize("database", DATABASES)
def test_compose_runs_the_jobs_in_a_worker_and_sends_mail_to_a_catcher(
    bake: Bake, database: str
) -> None:
    services = load_yaml(bake(docker="yes", database=database) / "compose.yaml")["services"]
    app, worker = services["app"], services["worker"]
    assert worker["command"] == ["my_backend", "worker"]
    assert worker["environment"] == app["environment"]
    assert worker.get("volumes") == app.get("volumes")
    assert worker["depends_on"] == {"app": {"condition": "service_healthy"}}
    assert worker["healthcheck"] == {"disable": True}
    assert (app["environment"]["SMTP_HOST"], app["environment"]["JOBS_IN_PROCESS"]) == (
        "mailpit",
        "false",
    )
    assert services["mailpit"]["image"].startswith("axllent/mailpit:v1.")


@pytest.mark.parametrize("database", DATABASES)
def test_compose_without_accounts_has_no_worker_and_no_mail(bake: Bake, database: str) -> None:
    services = load_yaml(bake(docker="yes", database=database, auth="none") / "compose.yaml")[
        "services"
    ]
    assert not {"worker", "mailpit"} & set(services)
    assert not {"SMTP_HOST", "JOBS_IN_PROCESS"} & set(services["app"]["environment"])


def test_compose_sqlite_database_file_lives_on_a_named_volume(bake: Bake) -> None:
    compose = load_yaml(bake(docker="yes", database="sqlite") / "compose.yaml")
    app = compose["services"]["app"]
    (volume,) = app["volumes"]
    name, target = volume.split(":")
    assert name in compose["volumes"]
    assert app["environment"]["DATABASE_URL"] == f"sqlite+aiosqlite:///{target}/app.db"


@pytest.mark.parametrize("database", DATABASES)
def test_compose_file_matches_the_compose_specification(bake: Bake, database: str) -> None:
    compose = bake(docker="yes", database=database) / "compose.yaml"
    result = run_tool("check-jsonschema", "--builtin-schema", "vendor.compose-spec", str(compose))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("database", DATABASES)
def test_compose_accepts_the_compose_file(bake: Bake, compose: list[str], database: str) -> None:
    result = compose_config(compose, bake(docker="yes", database=database))
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_rejects_a_dependency_on_an_undefined_service(
    bake: Bake, compose: list[str], tmp_path: Path
) -> None:
    # The compose schema allows any name here; only Compose knows that no such service exists.
    project = bake(docker="yes", database="postgresql")
    original = (project / "compose.yaml").read_text(encoding="utf-8")
    broken = original.replace("    depends_on:\n      db:", "    depends_on:\n      nodb:")
    assert broken != original
    (tmp_path / "compose.yaml").write_text(broken, encoding="utf-8")
    shutil.copy(project / ".env", tmp_path / ".env")
    result = compose_config(compose, tmp_path)
    assert result.returncode != 0
    assert "nodb" in result.stdout + result.stderr


def test_compose_rejects_a_missing_env_file(bake: Bake, compose: list[str], tmp_path: Path) -> None:
    shutil.copy(bake(docker="yes") / "compose.yaml", tmp_path / "compose.yaml")
    result = compose_config(compose, tmp_path)
    assert result.returncode != 0
    assert ".env" in result.stdout + result.stderr


# GitHub Actions.


def test_github_workflow_runs_on_push_and_pull_request(bake: Bake) -> None:
    workflow = load_yaml(bake(ci="github") / GITHUB_WORKFLOW)
    # YAML 1.1 reads the bare key `on` as the boolean true.
    triggers = workflow[True]
    assert {"push", "pull_request"} <= triggers.keys()


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("command", CHECKS)
def test_github_workflow_runs_each_check_after_installing_the_project(
    bake: Bake, command: str, database: str
) -> None:
    commands = github_commands(load_yaml(bake(ci="github", database=database) / GITHUB_WORKFLOW))
    assert commands.index(INSTALL) < commands.index(command)


def test_github_workflow_migrates_before_checking_the_migrations(bake: Bake) -> None:
    commands = github_commands(load_yaml(bake(ci="github") / GITHUB_WORKFLOW))
    assert commands.index("alembic upgrade head") < commands.index("alembic check")


@pytest.mark.parametrize("python_version", PYTHON_VERSIONS)
def test_github_workflow_sets_up_the_chosen_python(bake: Bake, python_version: str) -> None:
    workflow = load_yaml(bake(ci="github", python_version=python_version) / GITHUB_WORKFLOW)
    (job,) = workflow["jobs"].values()
    (setup,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert setup["with"]["python-version"] == python_version


def test_github_workflow_postgres_service_is_health_checked(bake: Bake) -> None:
    workflow = load_yaml(bake(ci="github", database="postgresql") / GITHUB_WORKFLOW)
    (job,) = workflow["jobs"].values()
    postgres = job["services"]["postgres"]
    assert POSTGRES_IMAGE.match(postgres["image"])
    assert "5432:5432" in postgres["ports"]
    assert re.search(r"--health-cmd \"?pg_isready", postgres["options"])


def test_github_workflow_points_the_app_and_tests_at_the_postgres_service(bake: Bake) -> None:
    workflow = load_yaml(bake(ci="github", database="postgresql") / GITHUB_WORKFLOW)
    (job,) = workflow["jobs"].values()
    assert {key: job["env"].get(key) for key in GITHUB_DATABASE_URLS} == GITHUB_DATABASE_URLS


def test_github_workflow_for_sqlite_needs_no_service(bake: Bake) -> None:
    workflow = load_yaml(bake(ci="github", database="sqlite") / GITHUB_WORKFLOW)
    (job,) = workflow["jobs"].values()
    assert "services" not in job


@pytest.mark.parametrize("database", DATABASES)
def test_github_workflow_matches_the_workflow_schema(bake: Bake, database: str) -> None:
    workflow = bake(ci="github", database=database) / GITHUB_WORKFLOW
    result = run_tool(
        "check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(workflow)
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("database", DATABASES)
def test_actionlint_finds_nothing_in_the_github_workflow(bake: Bake, database: str) -> None:
    result = actionlint(bake(ci="github", database=database) / GITHUB_WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == ""


def test_actionlint_finds_nothing_in_the_template_workflow() -> None:
    result = actionlint(TEMPLATE_WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == ""


@pytest.mark.parametrize(
    ("step", "finding"),
    [
        # An expression naming a matrix value the job does not define.
        ("run: echo ${{ matrix.nope }}", 'property "nope" is not defined'),
        # A script with an unquoted variable: shellcheck runs and reports it (SC2086).
        ('run: echo "$GITHUB_SHA" > $RUNNER_TEMP/sha', "shellcheck reported issue"),
        # An action input that actions/setup-python does not have.
        ("uses: actions/setup-python@v6\n        with: {python-versions: '3.11'}", "not defined"),
    ],
    ids=["undefined-matrix-value", "shellcheck", "unknown-action-input"],
)
def test_actionlint_reports_a_broken_workflow(
    bake: Bake, tmp_path: Path, step: str, finding: str
) -> None:
    workflow = tmp_path / "ci.yml"
    generated = (bake(ci="github") / GITHUB_WORKFLOW).read_text(encoding="utf-8")
    workflow.write_text(
        generated.replace("    steps:\n", f"    steps:\n      - {step}\n", 1), encoding="utf-8"
    )
    result = actionlint(workflow)
    assert result.returncode == 1, result.stdout + result.stderr
    assert finding in result.stdout


# GitLab CI.


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("command", CHECKS)
def test_gitlab_job_runs_each_check_after_installing_the_project(
    bake: Bake, command: str, database: str
) -> None:
    script = gitlab_job(load_yaml(bake(ci="gitlab", database=database) / GITLAB_CI))["script"]
    assert script.index(INSTALL) < script.index(command)


def test_gitlab_job_migrates_before_checking_the_migrations(bake: Bake) -> None:
    script = gitlab_job(load_yaml(bake(ci="gitlab") / GITLAB_CI))["script"]
    assert script.index("alembic upgrade head") < script.index("alembic check")


@pytest.mark.parametrize("python_version", PYTHON_VERSIONS)
def test_gitlab_job_runs_in_the_chosen_python_image(bake: Bake, python_version: str) -> None:
    job = gitlab_job(load_yaml(bake(ci="gitlab", python_version=python_version) / GITLAB_CI))
    assert job["image"] == f"python:{python_version}-slim"


def test_gitlab_job_has_a_postgres_service_reachable_as_postgres(bake: Bake) -> None:
    job = gitlab_job(load_yaml(bake(ci="gitlab", database="postgresql") / GITLAB_CI))
    (service,) = job["services"]
    assert POSTGRES_IMAGE.match(service["name"])
    assert service["alias"] == "postgres"


def test_gitlab_job_points_the_app_and_tests_at_the_postgres_service(bake: Bake) -> None:
    job = gitlab_job(load_yaml(bake(ci="gitlab", database="postgresql") / GITLAB_CI))
    variables = job["variables"]
    assert {key: variables.get(key) for key in GITLAB_DATABASE_URLS} == GITLAB_DATABASE_URLS


def test_gitlab_job_for_sqlite_needs_no_service(bake: Bake) -> None:
    job = gitlab_job(load_yaml(bake(ci="gitlab", database="sqlite") / GITLAB_CI))
    assert "services" not in job


@pytest.mark.parametrize("database", DATABASES)
def test_gitlab_ci_matches_the_gitlab_ci_schema(bake: Bake, database: str) -> None:
    config = bake(ci="gitlab", database=database) / GITLAB_CI
    result = run_tool(
        "check-jsonschema",
        "--builtin-schema",
        "vendor.gitlab-ci",
        "--data-transform",
        "gitlab-ci",
        str(config),
    )
    assert result.returncode == 0, result.stdout + result.stderr

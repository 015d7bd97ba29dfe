"""Template-level tests of the deployment files: the Dockerfile, .dockerignore and
compose.yaml of `docker=yes`, the CI definitions of `ci=github` and `ci=gitlab`, and the
template's own workflow (.github/workflows/template.yml), for teams that fork it.

Each set of answers is baked once per worker (tests/conftest.py's `bake_once`). The tests
check that the files an answer leaves out are gone, read the files that stay with
`yaml.safe_load` or line by line to check what they do, and run real linters
that work offline: hadolint on the Dockerfile, check-jsonschema with the schemas it
ships for the compose specification, GitHub workflows and GitLab CI, Compose's own parser
(`docker compose config`, or Debian's docker-compose where the plugin is missing: no engine is
needed), and actionlint (with shellcheck on every `run` script) on the generated workflow and
the template's own.
"""

import itertools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import BakeOnce, empty_paths, template_leftovers
from tools.baking import BIN, CHOICES, TEMPLATE_DIR, default_answers, matrix, run

# One worker bakes each set of answers once for all of these tests.
pytestmark = pytest.mark.xdist_group("deploy-files")

DATABASES = CHOICES["database"]
PYTHON_VERSIONS = CHOICES["python_version"]

DOCKER_FILES = ["Dockerfile", ".dockerignore", "compose.yaml"]
GITHUB_WORKFLOW = ".github/workflows/ci.yml"
GITLAB_CI = ".gitlab-ci.yml"
# The workflow that tests the template itself; it is not rendered, so it is checked as it is.
TEMPLATE_WORKFLOW = TEMPLATE_DIR / ".github/workflows/template.yml"
CI_FILES = {"github": GITHUB_WORKFLOW, "gitlab": GITLAB_CI}
# Every answer of `docker` and of `ci` at least once, side by side.
DOCKER_AND_CI = list(zip(itertools.cycle(CHOICES["docker"]), CHOICES["ci"], strict=False))
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
    return run(project, *compose, "--file", "compose.yaml", "config", "--quiet", check=False)


def run_tool(*command: str) -> subprocess.CompletedProcess[str]:
    """Run a linter installed beside this Python (requirements-test.txt) on files it is given."""
    return run(TEMPLATE_DIR, *command, check=False, timeout=120)


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
    bake_once: BakeOnce, relative: str, database: str
) -> None:
    assert not (bake_once(docker="no", database=database) / relative).exists()


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("relative", DOCKER_FILES)
def test_docker_files_are_generated_when_docker_is_yes(
    bake_once: BakeOnce, relative: str, database: str
) -> None:
    assert (bake_once(docker="yes", database=database) / relative).is_file()


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("ci", CHOICES["ci"])
def test_only_the_chosen_ci_definition_is_generated(
    bake_once: BakeOnce, ci: str, database: str
) -> None:
    project = bake_once(ci=ci, database=database)
    present = {name for name, relative in CI_FILES.items() if (project / relative).exists()}
    assert present == ({ci} & CI_FILES.keys())


@pytest.mark.parametrize("ci", [ci for ci in CHOICES["ci"] if ci != "github"])
def test_no_github_folder_is_left_without_github_ci(bake_once: BakeOnce, ci: str) -> None:
    assert not (bake_once(ci=ci) / ".github").exists()


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize(("docker", "ci"), DOCKER_AND_CI)
def test_no_template_syntax_is_left_in_any_file(
    bake_once: BakeOnce, docker: str, ci: str, database: str
) -> None:
    project = bake_once(docker=docker, ci=ci, database=database)
    assert template_leftovers(project) == []


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize(("docker", "ci"), DOCKER_AND_CI)
def test_no_empty_file_or_folder_is_left(
    bake_once: BakeOnce, docker: str, ci: str, database: str
) -> None:
    assert empty_paths(bake_once(docker=docker, ci=ci, database=database)) == []


# Dockerfile and .dockerignore.


def test_dockerfile_is_multi_stage(bake_once: BakeOnce) -> None:
    dockerfile = bake_once(docker="yes") / "Dockerfile"
    stages = arguments_of(dockerfile, "FROM")
    assert len(stages) >= 2
    assert all(re.fullmatch(r"\S+ AS \w+", stage, flags=re.IGNORECASE) for stage in stages)
    assert any(arguments.startswith("--from=") for arguments in arguments_of(dockerfile, "COPY"))


@pytest.mark.parametrize("python_version", PYTHON_VERSIONS)
def test_dockerfile_bases_every_stage_on_the_chosen_python(
    bake_once: BakeOnce, python_version: str
) -> None:
    dockerfile = bake_once(docker="yes", python_version=python_version) / "Dockerfile"
    images = {stage.split()[0] for stage in arguments_of(dockerfile, "FROM")}
    assert images == {f"python:{python_version}-slim"}


def test_dockerfile_installs_dependencies_before_copying_the_app(bake_once: BakeOnce) -> None:
    instructions = dockerfile_instructions(bake_once(docker="yes") / "Dockerfile")
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


def test_dockerfile_runs_as_a_non_root_user(bake_once: BakeOnce) -> None:
    users = arguments_of(bake_once(docker="yes") / "Dockerfile", "USER")
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_healthcheck_probes_health_with_the_standard_library(
    bake_once: BakeOnce,
) -> None:
    (healthcheck,) = arguments_of(bake_once(docker="yes") / "Dockerfile", "HEALTHCHECK")
    assert "/health" in healthcheck
    assert "urllib.request" in healthcheck
    assert "curl" not in healthcheck


def test_dockerfile_serves_uvicorn_on_port_8000(bake_once: BakeOnce) -> None:
    dockerfile = bake_once(docker="yes") / "Dockerfile"
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
def test_hadolint_accepts_the_dockerfile(bake_once: BakeOnce, database: str) -> None:
    dockerfile = bake_once(docker="yes", database=database) / "Dockerfile"
    result = run_tool("hadolint", "--no-color", str(dockerfile))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("pattern", [".env", ".venv", "**/__pycache__", "**/*.db", ".git"])
def test_dockerignore_keeps_secrets_caches_and_databases_out(
    bake_once: BakeOnce, pattern: str
) -> None:
    lines = (bake_once(docker="yes") / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert pattern in lines


# compose.yaml.


@pytest.mark.parametrize("database", DATABASES)
def test_compose_builds_the_app_from_the_dockerfile_with_the_env_file(
    bake_once: BakeOnce, database: str
) -> None:
    app = load_yaml(bake_once(docker="yes", database=database) / "compose.yaml")["services"]["app"]
    assert app["build"] == "."
    assert app["env_file"] == ".env"


@pytest.mark.parametrize("database", DATABASES)
def test_compose_app_migrates_the_database_before_serving(
    bake_once: BakeOnce, database: str
) -> None:
    app = load_yaml(bake_once(docker="yes", database=database) / "compose.yaml")["services"]["app"]
    command = app["command"]
    assert "alembic upgrade head &&" in command
    assert command.index("alembic upgrade head") < command.index("uvicorn app.main:app")
    assert "--host 0.0.0.0 --port 8000" in command


def test_compose_postgresql_db_is_health_checked_with_pg_isready(bake_once: BakeOnce) -> None:
    services = load_yaml(bake_once(docker="yes", database="postgresql") / "compose.yaml")[
        "services"
    ]
    db = services["db"]
    assert POSTGRES_IMAGE.match(db["image"])
    assert {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"} <= db["environment"].keys()
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_compose_postgresql_db_keeps_its_data_on_a_named_volume(bake_once: BakeOnce) -> None:
    compose = load_yaml(bake_once(docker="yes", database="postgresql") / "compose.yaml")
    (volume,) = compose["services"]["db"]["volumes"]
    name, target = volume.split(":")
    assert target == "/var/lib/postgresql/data"
    assert name in compose["volumes"]


def test_compose_app_waits_for_a_healthy_db(bake_once: BakeOnce) -> None:
    app = load_yaml(bake_once(docker="yes", database="postgresql") / "compose.yaml")["services"][
        "app"
    ]
    assert app["depends_on"] == {"db": {"condition": "service_healthy"}}


def test_compose_app_connects_to_the_db_service_with_psycopg(bake_once: BakeOnce) -> None:
    app = load_yaml(bake_once(docker="yes", database="postgresql") / "compose.yaml")["services"][
        "app"
    ]
    url = app["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://")
    assert "@db:5432/" in url


def test_compose_sqlite_has_no_db_service(bake_once: BakeOnce) -> None:
    services = load_yaml(bake_once(docker="yes", database="sqlite") / "compose.yaml")["services"]
    assert set(services) == {"app", "worker", "mailpit"}


@pytest.mark.parametrize("database", DATABASES)
def test_compose_runs_the_jobs_in_a_worker_and_sends_mail_to_a_catcher(
    bake_once: BakeOnce, database: str
) -> None:
    services = load_yaml(bake_once(docker="yes", database=database) / "compose.yaml")["services"]
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
def test_compose_without_accounts_has_no_worker_and_no_mail(
    bake_once: BakeOnce, database: str
) -> None:
    services = load_yaml(bake_once(docker="yes", database=database, auth="none") / "compose.yaml")[
        "services"
    ]
    assert not {"worker", "mailpit"} & set(services)
    assert not {"SMTP_HOST", "JOBS_IN_PROCESS"} & set(services["app"]["environment"])


def test_compose_sqlite_database_file_lives_on_a_named_volume(bake_once: BakeOnce) -> None:
    compose = load_yaml(bake_once(docker="yes", database="sqlite") / "compose.yaml")
    app = compose["services"]["app"]
    (volume,) = app["volumes"]
    name, target = volume.split(":")
    assert name in compose["volumes"]
    assert app["environment"]["DATABASE_URL"] == f"sqlite+aiosqlite:///{target}/app.db"


@pytest.mark.parametrize("database", DATABASES)
def test_compose_file_matches_the_compose_specification(bake_once: BakeOnce, database: str) -> None:
    compose = bake_once(docker="yes", database=database) / "compose.yaml"
    result = run_tool("check-jsonschema", "--builtin-schema", "vendor.compose-spec", str(compose))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("database", DATABASES)
def test_compose_accepts_the_compose_file(
    bake_once: BakeOnce, compose: list[str], database: str
) -> None:
    result = compose_config(compose, bake_once(docker="yes", database=database))
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_rejects_a_dependency_on_an_undefined_service(
    bake_once: BakeOnce, compose: list[str], tmp_path: Path
) -> None:
    # The compose schema allows any name here; only Compose knows that no such service exists.
    project = bake_once(docker="yes", database="postgresql")
    original = (project / "compose.yaml").read_text(encoding="utf-8")
    broken = original.replace("    depends_on:\n      db:", "    depends_on:\n      nodb:")
    assert broken != original
    (tmp_path / "compose.yaml").write_text(broken, encoding="utf-8")
    shutil.copy(project / ".env", tmp_path / ".env")
    result = compose_config(compose, tmp_path)
    assert result.returncode != 0
    assert "nodb" in result.stdout + result.stderr


def test_compose_rejects_a_missing_env_file(
    bake_once: BakeOnce, compose: list[str], tmp_path: Path
) -> None:
    shutil.copy(bake_once(docker="yes") / "compose.yaml", tmp_path / "compose.yaml")
    result = compose_config(compose, tmp_path)
    assert result.returncode != 0
    assert ".env" in result.stdout + result.stderr


# GitHub Actions.


def test_github_workflow_runs_on_push_and_pull_request(bake_once: BakeOnce) -> None:
    workflow = load_yaml(bake_once(ci="github") / GITHUB_WORKFLOW)
    # YAML 1.1 reads the bare key `on` as the boolean true.
    triggers = workflow[True]
    assert {"push", "pull_request"} <= triggers.keys()


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("command", CHECKS)
def test_github_workflow_runs_each_check_after_installing_the_project(
    bake_once: BakeOnce, command: str, database: str
) -> None:
    commands = github_commands(
        load_yaml(bake_once(ci="github", database=database) / GITHUB_WORKFLOW)
    )
    assert commands.index(INSTALL) < commands.index(command)


def test_github_workflow_migrates_before_checking_the_migrations(bake_once: BakeOnce) -> None:
    commands = github_commands(load_yaml(bake_once(ci="github") / GITHUB_WORKFLOW))
    assert commands.index("alembic upgrade head") < commands.index("alembic check")


@pytest.mark.parametrize("python_version", PYTHON_VERSIONS)
def test_github_workflow_sets_up_the_chosen_python(
    bake_once: BakeOnce, python_version: str
) -> None:
    workflow = load_yaml(bake_once(ci="github", python_version=python_version) / GITHUB_WORKFLOW)
    (job,) = workflow["jobs"].values()
    (setup,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert setup["with"]["python-version"] == python_version


def test_github_workflow_postgres_service_is_health_checked(bake_once: BakeOnce) -> None:
    workflow = load_yaml(bake_once(ci="github", database="postgresql") / GITHUB_WORKFLOW)
    (job,) = workflow["jobs"].values()
    postgres = job["services"]["postgres"]
    assert POSTGRES_IMAGE.match(postgres["image"])
    assert "5432:5432" in postgres["ports"]
    assert re.search(r"--health-cmd \"?pg_isready", postgres["options"])


def test_github_workflow_points_the_app_and_tests_at_the_postgres_service(
    bake_once: BakeOnce,
) -> None:
    workflow = load_yaml(bake_once(ci="github", database="postgresql") / GITHUB_WORKFLOW)
    (job,) = workflow["jobs"].values()
    assert {key: job["env"].get(key) for key in GITHUB_DATABASE_URLS} == GITHUB_DATABASE_URLS


def test_github_workflow_for_sqlite_needs_no_service(bake_once: BakeOnce) -> None:
    workflow = load_yaml(bake_once(ci="github", database="sqlite") / GITHUB_WORKFLOW)
    (job,) = workflow["jobs"].values()
    assert "services" not in job


@pytest.mark.parametrize("database", DATABASES)
def test_github_workflow_matches_the_workflow_schema(bake_once: BakeOnce, database: str) -> None:
    workflow = bake_once(ci="github", database=database) / GITHUB_WORKFLOW
    result = run_tool(
        "check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(workflow)
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("database", DATABASES)
def test_actionlint_finds_nothing_in_the_github_workflow(
    bake_once: BakeOnce, database: str
) -> None:
    result = actionlint(bake_once(ci="github", database=database) / GITHUB_WORKFLOW)
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
    bake_once: BakeOnce, tmp_path: Path, step: str, finding: str
) -> None:
    workflow = tmp_path / "ci.yml"
    generated = (bake_once(ci="github") / GITHUB_WORKFLOW).read_text(encoding="utf-8")
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
    bake_once: BakeOnce, command: str, database: str
) -> None:
    script = gitlab_job(load_yaml(bake_once(ci="gitlab", database=database) / GITLAB_CI))["script"]
    assert script.index(INSTALL) < script.index(command)


def test_gitlab_job_migrates_before_checking_the_migrations(bake_once: BakeOnce) -> None:
    script = gitlab_job(load_yaml(bake_once(ci="gitlab") / GITLAB_CI))["script"]
    assert script.index("alembic upgrade head") < script.index("alembic check")


@pytest.mark.parametrize("python_version", PYTHON_VERSIONS)
def test_gitlab_job_runs_in_the_chosen_python_image(
    bake_once: BakeOnce, python_version: str
) -> None:
    job = gitlab_job(load_yaml(bake_once(ci="gitlab", python_version=python_version) / GITLAB_CI))
    assert job["image"] == f"python:{python_version}-slim"


def test_gitlab_job_has_a_postgres_service_reachable_as_postgres(bake_once: BakeOnce) -> None:
    job = gitlab_job(load_yaml(bake_once(ci="gitlab", database="postgresql") / GITLAB_CI))
    (service,) = job["services"]
    assert POSTGRES_IMAGE.match(service["name"])
    assert service["alias"] == "postgres"


def test_gitlab_job_points_the_app_and_tests_at_the_postgres_service(bake_once: BakeOnce) -> None:
    job = gitlab_job(load_yaml(bake_once(ci="gitlab", database="postgresql") / GITLAB_CI))
    variables = job["variables"]
    assert {key: variables.get(key) for key in GITLAB_DATABASE_URLS} == GITLAB_DATABASE_URLS


def test_gitlab_job_for_sqlite_needs_no_service(bake_once: BakeOnce) -> None:
    job = gitlab_job(load_yaml(bake_once(ci="gitlab", database="sqlite") / GITLAB_CI))
    assert "services" not in job


@pytest.mark.parametrize("database", DATABASES)
def test_gitlab_ci_matches_the_gitlab_ci_schema(bake_once: BakeOnce, database: str) -> None:
    config = bake_once(ci="gitlab", database=database) / GITLAB_CI
    result = run_tool(
        "check-jsonschema",
        "--builtin-schema",
        "vendor.gitlab-ci",
        "--data-transform",
        "gitlab-ci",
        str(config),
    )
    assert result.returncode == 0, result.stdout + result.stderr


# The template's own workflow: it runs the template's suite, and its variant matrix is the test
# matrix of tools/baking.py, each variant checked with its own Makefile.


@pytest.fixture(scope="module")
def template_workflow() -> dict[str, Any]:
    return load_yaml(TEMPLATE_WORKFLOW)


def _runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def test_the_workflow_matches_the_github_workflow_schema() -> None:
    result = run_tool(
        "check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(TEMPLATE_WORKFLOW)
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_finds_nothing_in_the_template_workflow() -> None:
    result = actionlint(TEMPLATE_WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == ""


def test_the_suite_job_runs_make_test_with_the_history_and_the_browser(
    template_workflow: dict[str, Any],
) -> None:
    suite = template_workflow["jobs"]["suite"]
    checkout = next(
        step for step in suite["steps"] if step.get("uses", "").startswith("actions/checkout")
    )

    assert checkout["with"]["fetch-depth"] == 0
    assert any("chromium" in command for command in _runs(suite))
    assert _runs(suite)[-1] == "make test"


def test_the_variant_matrix_is_the_test_matrix(template_workflow: dict[str, Any]) -> None:
    included = template_workflow["jobs"]["variant"]["strategy"]["matrix"]["include"]

    assert included == matrix()


def test_each_variant_is_baked_with_its_answers_and_checked_by_its_makefile(
    template_workflow: dict[str, Any],
) -> None:
    variant = template_workflow["jobs"]["variant"]
    bake = next(command for command in _runs(variant) if "cookiecutter --no-input" in command)
    check = variant["steps"][-1]

    unanswered = [name for name in CHOICES if f"{name}=${{{{ matrix.{name} }}}}" not in bake]
    assert unanswered == []
    assert check["run"] == "make install check"
    assert Path(check["working-directory"]).name == default_answers()["project_slug"]

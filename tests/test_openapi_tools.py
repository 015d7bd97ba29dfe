"""The OpenAPI document of every variant, read by tools that no one here wrote.

For each variant of the matrix (tests/conftest.py's bakes), the app's document is written to
a file, then:

- Redocly CLI (`lint --extends=recommended`) and Spectral (the `spectral:oas` ruleset), the
  two mainstream OpenAPI linters, each with its recommended rules, report nothing at all;
- openapi-python-client builds a Python client from it with `--fail-on-warning`, and says
  nothing but what it generated;
- that client, imported as a user would, drives the variant served by uvicorn on
  127.0.0.1 over a fresh database through what the variant has: the probes; with
  auth=jwt, register, login, refresh and one's account; with the example resource, list,
  create, read, update and delete items; and a 404 and a 422, read back as problem
  documents through the client's own models. The served `/openapi.json` is the linted one.

The linters are npm packages, installed on first use at the pinned versions into
`build/node-tools/` (git-ignored, reused by later runs); they need Node.js 20.19 or later with
npm, a failure under CI (`CI` set) and a skip elsewhere when npm is missing. The generator is
pinned in requirements-test.txt.
"""

import fcntl
import importlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tools.baking import BIN, TEMPLATE_DIR, Variant, matrix, run
from tools.postgres_cluster import new_database
from tools.serving import call, served

NODE_TOOLS = TEMPLATE_DIR / "build" / "node-tools"
# npm package, pinned version, and the command it installs.
REDOCLY = ("@redocly/cli", "2.77.0", "redocly")
SPECTRAL = ("@stoplight/spectral-cli", "6.16.3", "spectral")
# Neither linter may phone home or look for a newer version of itself.
LINTER_ENV = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
DUMP = "import json, sys; from app.main import app; json.dump(app.openapi(), sys.stdout)"
PASSWORD = "client-flow-pass-1"


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        message = "npm is missing: install Node.js 20.19 or later with npm"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return npm


def _node_tool(package: str, version: str, command: str) -> Path:
    """The command of `package` at `version`, installed into build/node-tools on first use.

    One worker installs while the others wait on a lock; the install goes to a scratch
    folder that is renamed when complete, so an interrupted one leaves nothing half done.
    """
    folder = NODE_TOOLS / f"{package.replace('/', '+')}@{version}"
    executable = folder / "node_modules" / ".bin" / command
    if executable.exists():
        return executable
    npm = _npm()
    NODE_TOOLS.mkdir(parents=True, exist_ok=True)
    with (NODE_TOOLS / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not executable.exists():
            scratch = folder.with_name(f"{folder.name}.partial")
            shutil.rmtree(scratch, ignore_errors=True)
            scratch.mkdir()
            options = ["--no-save", "--no-package-lock", "--ignore-scripts", "--no-audit"]
            result = subprocess.run(
                [npm, "install", "--prefix", str(scratch), *options, f"{package}@{version}"],
                capture_output=True,
                text=True,
                timeout=600,
            )
            if result.returncode != 0:
                pytest.fail(f"npm install {package}@{version} failed:\n{result.stderr}")
            scratch.rename(folder)
    return executable


@pytest.fixture(scope="session")
def redocly() -> Path:
    """Redocly CLI, at the pinned version."""
    return _node_tool(*REDOCLY)


@pytest.fixture(scope="session")
def spectral() -> Path:
    """Spectral's command line, at the pinned version."""
    return _node_tool(*SPECTRAL)


@pytest.fixture(scope="session")
def document(baked: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The variant's OpenAPI document, as the app builds it, in a file of its own."""
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    path.write_text(run(baked, "python", "-c", DUMP).stdout, encoding="utf-8")
    return path


def _tool(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a tool with the shared environment's commands (ruff, for the generator) on PATH."""
    env = {**LINTER_ENV, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return run(cwd, *command, env=env, check=False, timeout=300)


def test_redocly_recommended_rules_find_nothing(redocly: Path, document: Path) -> None:
    command = [str(redocly), "lint", "--extends=recommended", "--format=json", document.name]
    result = _tool(command, document.parent)

    report = json.loads(result.stdout)
    found = [
        f"{p['severity']} {p['ruleId']}: {p['message']} at {p['location'][0]['pointer']}"
        for p in report["problems"]
    ]
    assert found == []
    assert report["totals"] == {"errors": 0, "warnings": 0, "ignored": 0}
    assert result.returncode == 0, result.stderr


def test_spectral_oas_rules_find_nothing(spectral: Path, document: Path) -> None:
    ruleset = document.with_name(".spectral.yaml")
    ruleset.write_text('extends: ["spectral:oas"]\n', encoding="utf-8")
    results = document.with_name("spectral.json")
    command = [str(spectral), "lint", document.name, "--ruleset", ruleset.name]
    result = _tool([*command, "--format=json", f"--output={results.name}"], document.parent)

    found = [
        f"{r['code']}: {r['message']} at {r['path']}"
        for r in json.loads(results.read_text(encoding="utf-8"))
    ]
    assert found == []
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def client_package(
    variant: Variant, document: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """A Python client generated from the document: its package name and the folder of it.

    Each variant's package gets a name of its own, so that several import side by side.
    """
    name = f"client_{matrix().index(variant)}"
    folder = tmp_path_factory.mktemp("client")
    config = folder / "config.json"
    config.write_text(json.dumps({"package_name_override": name}), encoding="utf-8")
    command = [str(BIN / "openapi-python-client"), "generate", "--path", str(document)]
    options = ["--meta", "none", "--config", str(config), "--fail-on-warning"]
    result = _tool([*command, *options, "--output-path", str(folder / name)], folder)

    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, output
    assert [line for line in output.splitlines() if re.search("warn|error", line, re.I)] == []
    return name, folder


def test_the_client_generator_builds_a_client_without_a_warning(
    client_package: tuple[str, Path],
) -> None:
    name, folder = client_package

    assert (folder / name / "client.py").is_file()
    assert (folder / name / "models" / "problem.py").is_file()


@pytest.fixture
def client(
    client_package: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], ModuleType]:
    """Import a module of the generated client by its name inside the package: `api.auth.login`."""
    name, folder = client_package
    monkeypatch.syspath_prepend(str(folder))
    return lambda module: importlib.import_module(f"{name}.{module}" if module else name)


@pytest.fixture
def base_url(
    baked: Path, variant: Variant, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """The variant, migrated on a fresh database and served on 127.0.0.1."""
    if variant["database"] == "postgresql":
        url = new_database(request.getfixturevalue("postgres_server"), "client")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'client.db'}"
    env = {"DATABASE_URL": url, "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST_KIB": "32"}
    run(baked, "python", "-m", "app.cli", "migrate", env=env)
    with served(baked, tmp_path / "uvicorn.log", env) as base:
        yield base


def test_the_generated_client_drives_the_served_app(
    variant: Variant,
    document: Path,
    base_url: str,
    client: Callable[[str], ModuleType],
) -> None:
    assert call("GET", f"{base_url}/openapi.json") == (200, json.loads(document.read_text()))
    package, models = client(""), client("models")
    anonymous = package.Client(base_url=base_url, raise_on_unexpected_status=True)

    assert client("api.health.liveness").sync(client=anonymous).status == "ok"
    assert client("api.health.readiness").sync(client=anonymous).status == "ok"
    caller = anonymous
    if variant["auth"] == "jwt":
        caller = _account_flow(client, models, anonymous, base_url)
    if variant["include_example_resource"] == "yes":
        _items_flow(client, models, caller)


def _account_flow(
    client: Callable[[str], ModuleType], models: ModuleType, anonymous: Any, base_url: str
) -> Any:
    """Register, log in, refresh, read one's account; a 404 and a 422. Return a client
    that sends the refreshed access token."""
    email = "client-flow@example.com"
    registered = client("api.auth.register").sync_detailed(
        client=anonymous, body=models.UserRegister(email=email, password=PASSWORD)
    )
    assert registered.status_code == 201
    assert registered.parsed.email == email

    login = client("api.auth.login").sync(
        client=anonymous, body=models.BodyLogin(username=email, password=PASSWORD)
    )
    assert isinstance(login, models.TokenPair)
    refreshed = client("api.auth.refresh").sync(
        client=anonymous, body=models.RefreshRequest(refresh_token=login.refresh_token)
    )
    assert isinstance(refreshed, models.TokenPair)
    assert refreshed.refresh_token != login.refresh_token

    caller = client("").AuthenticatedClient(
        base_url=base_url, token=refreshed.access_token, raise_on_unexpected_status=True
    )
    assert client("api.users.read_me").sync(client=caller).email == email

    missing = client("api.auth.revoke_session").sync_detailed(session_id=2**31 - 1, client=caller)
    assert _problem(models, missing, 404).type_ == "/problems/not-found"
    weak = client("api.auth.register").sync_detailed(
        client=anonymous, body=models.UserRegister(email="weak@example.com", password="short")
    )
    assert ["body", "password"] in _field_errors(models, weak)
    return caller


def _items_flow(client: Callable[[str], ModuleType], models: ModuleType, caller: Any) -> None:
    """List, create, read, update and delete an item; a 404 and a 422."""
    items = "api.items."
    created = client(items + "create_item").sync(
        client=caller, body=models.ItemCreate(title="First", description="From the client.")
    )
    assert isinstance(created, models.ItemRead)
    page = client(items + "list_items").sync(client=caller)
    assert [item.id for item in page.items] == [created.id]
    assert client(items + "read_item").sync(item_id=created.id, client=caller) == created

    updated = client(items + "update_item").sync(
        item_id=created.id, client=caller, body=models.ItemUpdate(title="Renamed")
    )
    assert (updated.title, updated.description) == ("Renamed", "From the client.")
    deleted = client(items + "delete_item").sync_detailed(item_id=created.id, client=caller)
    assert deleted.status_code == 204

    gone = client(items + "read_item").sync_detailed(item_id=created.id, client=caller)
    assert _problem(models, gone, 404).type_ == "/problems/not-found"
    untitled = client(items + "create_item").sync_detailed(
        client=caller, body=models.ItemCreate(title="")
    )
    assert ["body", "title"] in _field_errors(models, untitled)


def _problem(models: ModuleType, response: Any, status: int) -> Any:
    """The client's `Problem` model that `response` was parsed into, checked against `status`."""
    assert response.status_code == status, response.content
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.parsed
    assert isinstance(problem, models.Problem)
    assert problem.status == status
    assert problem.detail
    return problem


def _field_errors(models: ModuleType, response: Any) -> list[list[str | int]]:
    """The locations of the field errors of a 422 validation problem."""
    problem = _problem(models, response, 422)
    assert problem.type_ == "/problems/validation-error"
    assert all(isinstance(error, models.FieldError) for error in problem.errors)
    return [error.loc for error in problem.errors]

"""The OpenAPI document: what linters, gateways and client generators need of it.

Every operation is summarised, has its route function's name as its id, states its security
and documents its errors, each one a problem document; the document names its servers,
version, contact and license, and describes its tags.
"""

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.main import app, create_app

PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
PROJECT = tomllib.loads((Path(__file__).parents[3] / "pyproject.toml").read_text())["project"]
{%- if cookiecutter.auth == "jwt" %}
# Public ([]) or the access token of a login; test_access.py pins which are public.
SECURITY = ([], [{"OAuth2PasswordBearer": []}])
{%- else %}
SECURITY = ([],)  # without auth, every operation is public
{%- endif %}


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return [
        (method.upper(), path, operation)
        for path, operations in paths.items()
        for method, operation in operations.items()
    ]


OPERATIONS = _operations()
IDS = [f"{method} {path}" for method, path, _ in OPERATIONS]


def _undocumented(status: int, condition: Callable[[str, dict[str, Any]], bool]) -> list[str]:
    """The operations that meet `condition` but do not document `status`."""
    return [
        f"{method} {path}"
        for method, path, operation in OPERATIONS
        if condition(path, operation) and str(status) not in operation["responses"]
    ]


def _documents(method: str, path: str, status: int) -> bool:
    operation = app.openapi()["paths"][path][method.lower()]
    return str(status) in operation["responses"]


async def test_the_openapi_document_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")

    assert response.status_code == 200
    assert response.json() == app.openapi()


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_operation_has_a_summary_and_a_description(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    assert operation.get("summary")
    assert operation.get("description")


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_operation_id_is_the_name_of_its_route_function(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    # The route named so is the one at this path: a name used twice points elsewhere once.
    params = dict.fromkeys(re.findall(r"\{(\w+)\}", path), "1")

    assert app.url_path_for(operation["operationId"], **params) == re.sub(r"\{\w+\}", "1", path)


def test_operation_ids_are_unique() -> None:
    ids = [operation["operationId"] for _, _, operation in OPERATIONS]

    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_operation_states_its_security(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    assert operation["security"] in SECURITY


def test_every_operation_that_needs_a_token_documents_401() -> None:
    assert _undocumented(401, lambda path, op: bool(op["security"])) == []


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_operation_documents_the_400_of_the_trusted_hosts(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    assert _documents(method, path, 400)


def test_every_operation_on_one_resource_documents_404() -> None:
    assert _undocumented(404, lambda path, op: path.endswith("_id}")) == []


def test_every_operation_that_takes_a_body_documents_413() -> None:
    assert _undocumented(413, lambda path, op: "requestBody" in op) == []


def _takes_input(path: str, operation: dict[str, Any]) -> bool:
    return bool(operation.get("parameters") or "requestBody" in operation)


def test_every_operation_that_takes_input_documents_422() -> None:
    assert _undocumented(422, _takes_input) == []


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_documented_error_is_a_problem_document_and_nothing_else(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    errors = {status: r for status, r in operation["responses"].items() if int(status) >= 400}

    assert errors
    assert {status: r["content"] for status, r in errors.items()} == dict.fromkeys(
        errors, PROBLEM_CONTENT
    )


def test_the_problem_schema_is_in_the_components() -> None:
    schemas = app.openapi()["components"]["schemas"]

    assert set(schemas["Problem"]["required"]) == {"title", "status", "detail"}
    assert schemas["Problem"]["properties"]["errors"]["anyOf"][0]["items"] == {
        "$ref": "#/components/schemas/FieldError"
    }
{%- if cookiecutter.auth == "jwt" %}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/auth/register", "/api/v1/users", "/api/v1/users/me", "/api/v1/users/{user_id}"],
)
def test_operations_that_can_clash_on_an_email_document_409(path: str) -> None:
    writes = [m for m in app.openapi()["paths"][path] if m in {"post", "patch"}]

    assert writes
    assert all(_documents(method, path, 409) for method in writes)
{%- endif %}


def test_the_readiness_probe_documents_503() -> None:
    assert _documents("GET", "/health/ready", 503)
{%- if cookiecutter.auth == "jwt" %}


def test_the_token_url_of_the_security_scheme_is_the_login_route() -> None:
    schemes = app.openapi()["components"]["securitySchemes"]

    assert schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == (
        "/api/v1/auth/login"
    )
{%- endif %}


def test_every_tag_in_use_is_described() -> None:
    used = {tag for _, _, operation in OPERATIONS for tag in operation["tags"]}
    described = {tag["name"]: tag.get("description") for tag in app.openapi()["tags"]}

    assert set(described) == used
    assert all(described.values()), described


def test_the_info_carries_the_version_description_contact_and_license() -> None:
    info = app.openapi()["info"]

    assert info["version"] == PROJECT["version"]
    assert info["description"] == PROJECT["description"]
    assert info["contact"] == PROJECT["authors"][0]
    assert info["license"]["name"]
    assert info["license"].get("identifier") or info["license"].get("url")


def test_the_server_is_relative_without_a_public_url() -> None:
    settings = Settings(_env_file=None, PUBLIC_URL=None)

    assert create_app(settings).openapi()["servers"] == [{"url": "/"}]


def test_the_server_is_the_public_url_when_set() -> None:
    settings = Settings(_env_file=None, PUBLIC_URL="https://api.example.com/")

    assert create_app(settings).openapi()["servers"] == [{"url": "https://api.example.com"}]

"""The OpenAPI document: every operation is summarised and documents its errors."""

{% if cookiecutter.auth == "jwt" or cookiecutter.include_example_resource == "yes" -%}
from collections.abc import Callable
{% endif -%}
from typing import Any

import httpx
import pytest

from app.main import app

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return [
        (method.upper(), path, operation)
        for path, operations in paths.items()
        for method, operation in operations.items()
    ]


OPERATIONS = _operations()
IDS = [f"{method} {path}" for method, path, _ in OPERATIONS]
{%- if cookiecutter.auth == "jwt" or cookiecutter.include_example_resource == "yes" %}


def _where(condition: Callable[[str, dict[str, Any]], bool]) -> list[Any]:
    """The (method, path) of each operation that meets `condition`, as pytest params."""
    return [
        pytest.param(method, path, id=f"{method} {path}")
        for method, path, operation in OPERATIONS
        if condition(path, operation)
    ]
{%- endif %}


def _documents(method: str, path: str, status: int) -> bool:
    operation = app.openapi()["paths"][path][method.lower()]
    return str(status) in operation["responses"]


async def test_the_openapi_document_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")

    assert response.status_code == 200
    assert response.json()["paths"]


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_operation_has_a_summary_and_a_description(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    assert operation.get("summary")
    assert operation.get("description")
{%- if cookiecutter.auth == "jwt" %}


@pytest.mark.parametrize(("method", "path"), _where(lambda path, op: "security" in op))
def test_every_operation_that_needs_a_token_documents_401(method: str, path: str) -> None:
    assert _documents(method, path, 401)
{%- endif %}
{%- if cookiecutter.auth == "jwt" or cookiecutter.include_example_resource == "yes" %}


@pytest.mark.parametrize(("method", "path"), _where(lambda path, op: path.endswith("_id}")))
def test_every_operation_on_one_resource_documents_404(method: str, path: str) -> None:
    assert _documents(method, path, 404)


@pytest.mark.parametrize(
    ("method", "path"),
    _where(lambda path, op: bool(op.get("parameters") or op.get("requestBody"))),
)
def test_every_operation_that_takes_input_documents_422(method: str, path: str) -> None:
    assert _documents(method, path, 422)
{%- endif %}


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_documented_client_error_is_a_problem_document(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    for status, response in operation["responses"].items():
        if status.startswith("4"):
            assert response["content"]["application/problem+json"]["schema"] == PROBLEM_REF
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

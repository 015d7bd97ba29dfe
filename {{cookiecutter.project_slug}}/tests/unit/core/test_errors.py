"""Error classes and problem documents (the handlers are tested through HTTP)."""

import json
from http import HTTPStatus

import pytest

from app.core.errors import (
    PROBLEM_MEDIA_TYPE,
    AppError,
{%- if cookiecutter.auth == "jwt" %}
    AuthenticationError,
{%- endif %}
    BusinessRuleError,
    ConflictError,
    FieldError,
    NotFoundError,
{%- if cookiecutter.auth == "jwt" %}
    PermissionDeniedError,
{%- endif %}
    error_responses,
    problem_response,
)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (AppError, 400, "bad-request"),
        (NotFoundError, 404, "not-found"),
        (ConflictError, 409, "conflict"),
{%- if cookiecutter.auth == "jwt" %}
        (AuthenticationError, 401, "unauthorized"),
        (PermissionDeniedError, 403, "forbidden"),
{%- endif %}
        (BusinessRuleError, 422, "business-rule"),
    ],
)
def test_each_error_maps_to_one_status_and_code(
    error: type[AppError], status: int, code: str
) -> None:
    assert (error.status_code, error.code) == (status, code)


def test_an_error_keeps_the_detail_the_client_will_read() -> None:
    error = NotFoundError("Item not found.")

    assert error.detail == "Item not found."
    assert str(error) == "Item not found."
{%- if cookiecutter.auth == "jwt" %}


def test_only_authentication_errors_challenge_for_a_bearer_token() -> None:
    assert AuthenticationError.headers == {"WWW-Authenticate": "Bearer"}
    assert NotFoundError.headers is None
{%- endif %}


def test_a_problem_response_carries_the_rfc_9457_fields() -> None:
    response = problem_response(404, "Item not found.", code="not-found")

    assert response.status_code == 404
    assert response.media_type == PROBLEM_MEDIA_TYPE
    assert json.loads(bytes(response.body)) == {
        "type": "/problems/not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "Item not found.",
    }


def test_a_problem_without_a_code_has_the_blank_type() -> None:
    response = problem_response(405, "Method Not Allowed")

    assert json.loads(bytes(response.body))["type"] == "about:blank"


def test_a_problem_lists_the_field_errors_it_is_given() -> None:
    errors = [FieldError(loc=["body", "title"], msg="Field required", type="missing")]

    response = problem_response(422, "Invalid.", code="validation-error", errors=errors)

    assert json.loads(bytes(response.body))["errors"] == [
        {"loc": ["body", "title"], "msg": "Field required", "type": "missing"}
    ]


def test_a_problem_response_sends_the_headers_it_is_given() -> None:
    response = problem_response(401, "No.", headers={"WWW-Authenticate": "Bearer"})

    assert response.headers["www-authenticate"] == "Bearer"


def test_error_responses_document_each_status_with_the_problem_schema() -> None:
    documented = error_responses(401, 404)

    assert set(documented) == {401, 404}
    assert documented[404]["description"] == HTTPStatus.NOT_FOUND.phrase
    schema = documented[404]["content"][PROBLEM_MEDIA_TYPE]["schema"]
    assert schema == {"$ref": "#/components/schemas/Problem"}

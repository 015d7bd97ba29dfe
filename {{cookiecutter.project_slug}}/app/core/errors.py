"""Exception classes and the handlers that turn every error into a problem document.

Each error leaves the app as an RFC 9457 `application/problem+json` body with `type`,
`title`, `status` and `detail`; validation errors add the list of failing fields. A lost
database (or another connection that fails) answers 503 with `Retry-After`, so clients
retry, and the app recovers by itself when the database is back.
"""

import logging
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
# Where the problem schema sits in the OpenAPI document; `problem_schemas` puts it there.
SCHEMA_REF_TEMPLATE = "#/components/schemas/{model}"
PROBLEM_REF = SCHEMA_REF_TEMPLATE.format(model="Problem")
# Seconds a client should wait before retrying after a 503.
RETRY_AFTER_SECONDS = 5
# Errors that mean a backend (the database) is out of reach, not that the code is wrong:
# SQLAlchemy's driver errors (sorted out by `_database_error`), its pool timeout, and
# refused, reset or timed-out connections.
OUTAGE_ERRORS: tuple[type[Exception], ...] = (
    sa_exc.DBAPIError,
    sa_exc.TimeoutError,
    ConnectionError,
    TimeoutError,
)


class FieldError(BaseModel):
    """One invalid field of a request."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem document, as every error response carries it."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


class AppError(Exception):
    """Base of the errors the services raise on purpose; each maps to one status."""

    status_code: int = HTTPStatus.BAD_REQUEST
    code: str = "bad-request"
    headers: ClassVar[dict[str, str] | None] = None

    def __init__(self, detail: str) -> None:
        """Keep `detail`, the sentence the client will read."""
        super().__init__(detail)
        self.detail = detail

    def response_headers(self) -> dict[str, str] | None:
        """The headers the response carries: the class's, or this error's own."""
        return self.headers


class NotFoundError(AppError):
    """The resource does not exist, or the caller may not know that it does."""

    status_code = HTTPStatus.NOT_FOUND
    code = "not-found"


class ConflictError(AppError):
    """The request clashes with the current state, such as a {% if cookiecutter.auth == "jwt" %}taken email{% else %}duplicate unique value{% endif %}."""

    status_code = HTTPStatus.CONFLICT
    code = "conflict"
{%- if cookiecutter.auth == "jwt" %}


class AuthenticationError(AppError):
    """The caller is not authenticated: no, bad or expired credentials."""

    status_code = HTTPStatus.UNAUTHORIZED
    code = "unauthorized"
    headers: ClassVar[dict[str, str] | None] = {"WWW-Authenticate": "Bearer"}


class PermissionDeniedError(AppError):
    """The caller is authenticated but may not do this."""

    status_code = HTTPStatus.FORBIDDEN
    code = "forbidden"


class EmailNotVerifiedError(PermissionDeniedError):
    """The caller has not confirmed their email yet, and EMAIL_VERIFICATION requires it."""

    code = "email-not-verified"


class TooManyAttemptsError(AppError):
    """Too many failed attempts: the caller must wait `retry_after` seconds."""

    status_code = HTTPStatus.TOO_MANY_REQUESTS
    code = "too-many-attempts"

    def __init__(self, detail: str, retry_after: int) -> None:
        """Keep `detail` and the whole seconds (at least 1) until a new attempt may work."""
        super().__init__(detail)
        self.retry_after = max(retry_after, 1)

    def response_headers(self) -> dict[str, str]:
        """`Retry-After`, in seconds."""
        return {"Retry-After": str(self.retry_after)}
{%- endif %}


class BusinessRuleError(AppError):
    """The request is well formed but breaks a rule of the domain."""

    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "business-rule"


class ServiceUnavailableError(AppError):
    """A backend the app needs (the database) is out of reach: retry shortly."""

    status_code = HTTPStatus.SERVICE_UNAVAILABLE
    code = "service-unavailable"
    headers: ClassVar[dict[str, str] | None] = {"Retry-After": str(RETRY_AFTER_SECONDS)}


def problem_response(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build a problem+json response for `status`."""
    problem = Problem(
        type=f"/problems/{code}" if code else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        errors=errors,
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(
        exc.status_code, exc.detail, code=exc.code, headers=exc.response_headers()
    )


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldError(loc=list(error["loc"]), msg=error["msg"], type=error["type"])
        for error in jsonable_encoder(exc.errors())
    ]
    return problem_response(
        HTTPStatus.UNPROCESSABLE_ENTITY,
        "The request is invalid; see `errors` for each field.",
        code="validation-error",
        errors=errors,
    )


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == HTTPStatus.BAD_REQUEST and isinstance(
        exc.__cause__, UnicodeDecodeError | RecursionError
    ):
        # FastAPI answers a JSON body that is not UTF-8, or nested too deep to decode, with
        # a bare 400; it is malformed JSON like any other, so it gets the same 422.
        return problem_response(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "The request is invalid; see `errors` for each field.",
            code="validation-error",
            errors=[FieldError(loc=["body"], msg="JSON decode error", type="json_invalid")],
        )
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    headers: dict[str, Any] | None = getattr(exc, "headers", None)
    return problem_response(exc.status_code, detail, headers=headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        "An unexpected error occurred.",
        code="internal-error",
    )


def _is_outage(exc: Exception) -> bool:
    """Whether `exc` says the database is out of reach (rather than a bad query)."""
    if isinstance(exc, sa_exc.DBAPIError):
        return exc.connection_invalidated or isinstance(
            exc, sa_exc.OperationalError | sa_exc.InterfaceError
        )
    return True


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """503 for a lost database, 422 for a value it refuses; anything else is a bug (500)."""
    refused = isinstance(exc, sa_exc.DataError)
    if not refused and not _is_outage(exc):
        raise exc  # an ordinary bug: on to the 500 handler
    # The driver's own message, not SQLAlchemy's, which would add the SQL and its parameters.
    cause = getattr(exc, "orig", None) or exc
    reason = (str(cause).strip().splitlines() or [""])[0][:200]
    logger.warning(
        "%s on %s %s: %s: %s",
        "Value refused by the database" if refused else "Service unavailable",
        request.method,
        request.url.path,
        type(cause).__name__,
        reason,
    )
    if refused:
        # Input that passed validation but not the database, such as a NUL character in
        # text for PostgreSQL: the client's to fix, like any invalid input.
        return problem_response(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "A value of the request cannot be stored, such as text with a NUL character.",
            code="invalid-value",
        )
    return await _app_error(
        request,
        ServiceUnavailableError(
            "The service cannot reach its database right now; try again shortly."
        ),
    )


def register_error_handlers(app: FastAPI) -> None:
    """Route every kind of error through the problem-document handlers."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for outage in OUTAGE_ERRORS:
        app.add_exception_handler(outage, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting the problem bodies a route may return."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}},
        }
        for status in sorted(statuses)
    }


def problem_schemas() -> dict[str, dict[str, Any]]:
    """The OpenAPI `components.schemas` that the entries of `error_responses` refer to."""
    schema = Problem.model_json_schema(ref_template=SCHEMA_REF_TEMPLATE)
    return {**schema.pop("$defs", {}), "Problem": schema}

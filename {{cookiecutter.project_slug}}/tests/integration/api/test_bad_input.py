"""Bad input never makes a 500: every operation of the OpenAPI document, fed wrong types,
missing fields, huge strings, malformed JSON, the wrong content type, odd query values and
ids that do not exist, answers with a 4xx problem document.

The operations are read from the app itself, so a route added later is checked too.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from app.core.config import get_settings
from app.main import app
from tests.fixtures.problems import assert_problem

HUGE = "x" * 100_000
# As long as a query value gets: servers cap the request line at 8 to 16 KiB.
LONG = "x" * 4000
MISSING_ID = str(2**31 - 1)
# A value of the wrong type for any field: an object where a string, number or bool goes.
WRONG_TYPE = {"unexpected": ["object"]}


JSON = {"Content-Type": "application/json"}


@dataclass
class Case:
    """One bad request and the statuses it may get: those of `expect`, else any 4xx, and
    a 2xx too if `may_pass` (a value that some field may accept, such as null)."""

    name: str
    path: str
    expect: set[int] = field(default_factory=set)
    params: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    may_pass: bool = False

    def accepts(self, status: int) -> bool:
        """Whether `status` is a fine answer to this request."""
        if self.expect:
            return status in self.expect
        return 400 <= status < 500 or (self.may_pass and 200 <= status < 300)


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """`schema`, with a top-level `$ref` followed into the components."""
    ref = schema.get("$ref")
    if ref is None:
        return schema
    resolved: dict[str, Any] = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return resolved


def _encode(media_type: str, body: dict[str, Any]) -> bytes:
    if media_type == "application/json":
        return json.dumps(body).encode()
    return str(httpx.QueryParams({k: str(v) for k, v in body.items()})).encode()


def _cases(path: str, operation: dict[str, Any], spec: dict[str, Any]) -> list[Case]:
    """The bad requests for one operation."""
    parameters = operation.get("parameters", [])
    path_params = [p for p in parameters if p["in"] == "path"]
    query_params = [p for p in parameters if p["in"] == "query"]
    body = operation.get("requestBody", {}).get("content", {})
    media_type = next(iter(body), None)
    valid_path = re.sub(r"\{[^}]+\}", MISSING_ID, path)
    cases: list[Case] = []

    for value in ["abc", "0", "9" * 30, "%00"]:
        if path_params:
            cases.append(Case(f"path {value[:10]}", re.sub(r"\{[^}]+\}", value, path), {422}))
    if path_params and body:
        # An id that does not exist, with an empty body, which an update accepts.
        cases.append(Case("missing id", valid_path, {404}, content=b"{}", headers=JSON))
    elif path_params:
        cases.append(Case("missing id", valid_path, {404}))

    for parameter in query_params:
        is_int = parameter["schema"].get("type") == "integer"
        for value in ["abc", "-1", "9" * 30, LONG]:
            name = f"query {parameter['name']}={value[:10]}"
            # Integers must refuse what is not a bounded integer; other values may pass.
            expect = {422} if is_int and value != "-1" else set()
            query = {parameter["name"]: value}
            cases.append(Case(name, valid_path, expect, params=query, may_pass=not expect))

    if media_type is not None:
        schema = _resolve(body[media_type]["schema"], spec)
        properties: dict[str, Any] = schema.get("properties", {})
        typed = {"Content-Type": media_type}
        cases += [
            Case("malformed JSON", valid_path, {422}, content=b'{"a": ', headers=JSON),
            Case("JSON array", valid_path, {422}, content=b"[1, 2]", headers=JSON),
            Case("JSON string", valid_path, {422}, content=b'"text"', headers=JSON),
            Case("not UTF-8", valid_path, {422}, content=b'{"a": "\xe9\xff"}', headers=JSON),
            Case("nested too deep", valid_path, {422}, content=b"[" * 100_000, headers=JSON),
            Case("no content type", valid_path, {415, 422}, content=b'{"a": 1}'),
            Case(
                "text/plain",
                valid_path,
                {415, 422},
                content=b"hello",
                headers={"Content-Type": "text/plain"},
            ),
            Case(
                "wrong content type",
                valid_path,
                {415, 422},
                content=b"<a>1</a>",
                headers={"Content-Type": "application/xml"},
            ),
            Case("no body", valid_path, content=b"", headers=typed, may_pass=True),
            Case(
                "too large",
                valid_path,
                {413},
                content=b"x" * (get_settings().MAX_REQUEST_BODY_BYTES + 1),
                headers=typed,
            ),
        ]
        values: list[tuple[str, object]] = [
            ("huge", HUGE),
            ("wrong type", WRONG_TYPE),
            ("null", None),
        ]
        if media_type == "application/json":
            values.append(("lone surrogate", "\ud800"))  # valid JSON, but no UTF-8 text
        values.append(("NUL", "nul\x00byte"))  # text PostgreSQL refuses
        for label, bad in values:
            # Every field at once: the value may pass a field that accepts it (null, text).
            content = _encode(media_type, {name: bad for name in properties})
            case = Case(f"every field {label}", valid_path, content=content, headers=typed)
            case.may_pass = True
            cases.append(case)
    return cases


def _operations() -> list[Any]:
    spec = app.openapi()
    return [
        pytest.param(method.upper(), path, _cases(path, operation, spec), id=f"{method} {path}")
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if _cases(path, operation, spec)
    ]


OPERATIONS = _operations()


@pytest.mark.parametrize(("method", "path", "cases"), OPERATIONS)
async def test_bad_input_gets_a_4xx_problem_document(
    client: httpx.AsyncClient,
{%- if cookiecutter.auth == "jwt" %}
    admin_headers: dict[str, str],
{%- endif %}
    method: str,
    path: str,
    cases: list[Case],
) -> None:
    failures = []
    for case in cases:
        response = await client.request(
            method,
            case.path,
            params=case.params,
            content=case.content,
{%- if cookiecutter.auth == "jwt" %}
            # As an admin, so that every check before the input's own is passed.
            headers=admin_headers | case.headers,
{%- else %}
            headers=case.headers,
{%- endif %}
        )
        status = response.status_code
        try:
            assert case.accepts(status)
            if status >= 400:
                assert_problem(response, status)
        except AssertionError:
            failures.append((case.name, status, response.text[:200]))

    assert failures == [], f"{method} {path}"

"""Property-based fuzzing of a baked project's OpenAPI schema, run INSIDE the baked project.

`tests/test_fuzz.py` copies this module into a baked project, migrates a fresh database,
creates the first admin and runs the module with pytest in a subprocess whose working
directory is the project, so `app` is importable and configured by environment variables.

Schemathesis loads `/openapi.json` from the app in-process (ASGI) and, for every operation,
sends the requests of three phases: the document's examples, the coverage phase (boundary
values, missing and malformed parts, unexpected methods) and the fuzzing phase (Hypothesis,
`FUZZ_MAX_EXAMPLES` cases, derandomized), both valid and invalid requests. Every operation
runs in these passes:

- `anonymous`: without credentials;
- `admin` (auth=jwt): with a valid bearer token of the first admin, logged in through
  `POST /api/v1/auth/login`;
- `forged` (auth=jwt): every `admin` case of a secured operation that got a 2xx is sent
  again with no or forged credentials (in turn, those of `_forgeries`), and must get a 401.

String parameters and body fields sometimes take one of NASTY_STRINGS (that their schema
allows) instead of a random string. Each response must pass CHECKS. A failed check does
not stop the operation: each distinct failure (operation, failure code, status) is kept
once, with its request as a curl command, the response, and the passes it occurred in, so
one report lists every kind of failure and the case count does not depend on what failed.
The report goes to `FUZZ_REPORT` as JSON. A harness error (the app not starting, the admin
not logging in or losing its access) fails this run instead.
"""

import base64
import json
import os
import traceback
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from app.main import app
from schemathesis import Case, Response
from schemathesis.errors import FailureGroup, SchemathesisError

API = "/api/v1"
JWT = os.environ["FUZZ_AUTH"] == "jwt"
MAX_EXAMPLES = int(os.environ["FUZZ_MAX_EXAMPLES"])
SEED = int(os.environ["FUZZ_SEED"])
REPORT = Path(os.environ["FUZZ_REPORT"])
# A response body is cut to this many characters in the report.
BODY_EXCERPT = 600

# What every response must satisfy: no server error; a status code, media type, headers
# and body that the OpenAPI document declares for the operation; a 4xx for a request that
# the document says is invalid (the coverage and fuzzing phases send such requests on
# purpose).
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
)
# Checks left out on purpose:
# - positive_data_acceptance wants a 2xx for every request that the document calls valid,
#   but some rules cannot be written in JSON Schema and are answered with a documented 422
#   by design: the password policy (letters mixed with digits or symbols), keeping the last
#   active admin.
# - unsupported_method follows OpenAPI path matching, where `/users/me` wins over
#   `/users/{user_id}`; Starlette routes `DELETE /users/me` to `DELETE /users/{user_id}`,
#   which answers a documented 422 (`me` is not an integer), not a 405.
# - allow_header_conformance wants the `Allow` header of a 405 to list every method of the
#   path; Starlette lists those of the first route whose path matches (FastAPI makes one
#   route per method). Neither is about what the document declares.
# - ignored_auth and missing_required_header only know apiKey and http security schemes,
#   not OAuth2 (this API's), so they would check nothing: the `forged` pass does their job.
# - use_after_free, ensure_resource_availability, object_level_authorization follow
#   resources across requests and identities (the stateful phase), not single responses.

# Strings that break storage or text handling more often than random ones: a string
# parameter or body field takes one of those that its schema allows, one time in five.
NASTY_BINDING = {"dictionary": "nasty", "probability": 0.2}
NASTY_STRINGS = [
    "nul\x00byte",  # PostgreSQL text cannot hold NUL
    "\x00",
    "\u202eright-to-left",
    "emoji \U0001f44d\U0001f3fd",
    "' OR '1'='1' --",
    "%00%2e%2e%2f",
    " ",
]


def _allows_string(schema: dict[str, Any]) -> bool:
    """Whether a JSON Schema (of a property) accepts strings, directly or in `anyOf`."""
    branches = [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]
    return any(branch.get("type") == "string" for branch in branches)


def _nasty_body_fields() -> dict[str, dict[str, Any]]:
    """Bind NASTY_STRINGS to every string property of the document's schemas.

    Dictionaries reach body fields only through `body.<name>` keys; a key that a body
    does not have is ignored, so the properties of response schemas do no harm.
    """
    components = app.openapi().get("components", {}).get("schemas", {})
    names = {
        name
        for component in components.values()
        for name, schema in component.get("properties", {}).items()
        if _allows_string(schema)
    }
    return {f"body.{name}": NASTY_BINDING for name in sorted(names)}


def _load_schema() -> Any:
    """The app's OpenAPI document, with a bounded, derandomized configuration."""
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "parameters": _nasty_body_fields(),
            "generation": {
                "mode": "all",  # valid and invalid requests
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,  # Hypothesis' derandomize: the same cases every run
                "database": "none",  # no example database: nothing replayed from disk
                "dictionaries": {"string": NASTY_BINDING},
            },
            "dictionaries": {"nasty": {"values": NASTY_STRINGS}},
            "phases": {"stateful": {"enabled": False}},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        }
    )
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


schema = _load_schema()

# Per pass and operation, the status codes the cases got ("crash": an unhandled exception).
STATUSES: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
# Per (operation, failure code, status): the first occurrence, where and how often it recurs.
FAILURES: dict[tuple[str, str, int | None], dict[str, Any]] = {}


@pytest.fixture(scope="session", autouse=True)
def _write_report() -> Iterator[None]:
    """Write the case counts and the distinct failures once every pass has run."""
    yield
    report = {
        "schema_operations": [result.ok().label for result in schema.get_all_operations()],
        "operations": [
            {"pass": name, "operation": label, "cases": statuses.total(), "statuses": statuses}
            for (name, label), statuses in STATUSES.items()
        ],
        "failures": list(FAILURES.values()),
    }
    REPORT.write_text(json.dumps(report, indent=2), encoding="utf-8")


def _record(
    pass_name: str, case: Case, status: int | None, code: str, title: str, detail: str
) -> None:
    """Keep the first occurrence of each distinct failure; count the others and the passes."""
    key = (case.operation.label, code, status)
    failure = FAILURES.setdefault(
        key,
        {
            "operation": case.operation.label,
            "code": code,
            "title": title,
            "status": status,
            "passes": [],
            "occurrences": 0,
            "detail": detail,
        },
    )
    failure["occurrences"] += 1
    if pass_name not in failure["passes"]:
        failure["passes"].append(pass_name)


def _crash_detail(exc: Exception) -> str:
    """Where an unhandled exception went through the app's code, and what it was."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if f"{os.sep}app{os.sep}" in frame.filename
    ]
    lines = traceback.format_list(frames[-4:]) + traceback.format_exception_only(exc)
    return "".join(lines)


def _fuzz(
    pass_name: str, case: Case, headers: dict[str, str] | None = None, note: str = ""
) -> Response | None:
    """Send one case and run CHECKS on the response; record failures; return the response."""
    statuses = STATUSES[(pass_name, case.operation.label)]
    try:
        response = case.call(headers=headers)
    except SchemathesisError:
        raise  # the harness, not the app: fail the run
    except Exception as exc:
        # The app answers an exception it does not handle with a 500, and Starlette then
        # re-raises it: in-process, the exception reaches the caller instead of a response.
        request = f"{note}{case.as_curl_command(headers=headers)}"
        detail = f"request: {request}\nraised:\n{_crash_detail(exc)}"
        _record(pass_name, case, 500, "crash", "Unhandled exception (500)", detail)
        statuses["crash"] += 1
        return None
    statuses[str(response.status_code)] += 1
    try:
        case.validate_response(response, headers=headers)
    except FailureGroup as group:
        request = f"{note}{case.as_curl_command(headers=headers)}"
        answer = f"response: {response.status_code} {response.headers.get('content-type')}\n"
        answer += response.text[:BODY_EXCERPT]
        for failure in group.exceptions:
            detail = f"{failure}\n\nrequest: {request}\n{answer}"
            _record(pass_name, case, response.status_code, failure.code, failure.title, detail)
    return response


@schema.parametrize()
def test_anonymous(case: Case) -> None:
    """Every operation, without credentials."""
    _fuzz("anonymous", case)


if JWT:
    import jwt

    # A second admin, aimed at instead of the first when a case would change the first.
    STAND_IN = {"email": "stand-in@example.com", "password": "stand-in-pass-1", "role": "admin"}

    @dataclass
    class AdminSession:
        """The credentials the `admin` pass uses, kept valid while the fuzzer runs."""

        email: str
        password: str
        id: int = 0
        stand_in_id: int = 0
        headers: dict[str, str] = field(default_factory=dict)
        # (name, Authorization header or None) pairs the `forged` pass rotates through.
        forgeries: list[tuple[str, str | None]] = field(default_factory=list)
        replays: Iterator[int] = field(default_factory=count)

    def _send(case: Case, headers: dict[str, str] | None = None) -> Any:
        """Send a request of the harness's own; return its JSON body, or None if not 2xx."""
        response = case.call(headers=headers)
        if not 200 <= response.status_code < 300:
            return None
        return response.json() if response.content else {}

    def _log_in(admin: AdminSession) -> dict[str, Any] | None:
        """Log in through the API with the admin's current credentials; return the tokens."""
        form = {"username": admin.email, "password": admin.password}
        login = schema[f"{API}/auth/login"]["POST"]
        tokens: dict[str, Any] | None = _send(
            login.Case(body=form, media_type="application/x-www-form-urlencoded")
        )
        if tokens is not None:
            admin.headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        return tokens

    def _forgeries(tokens: dict[str, Any], admin: AdminSession) -> list[tuple[str, str | None]]:
        """Credentials that must never authenticate, most of them close to valid ones."""
        access = tokens["access_token"]
        claims = jwt.decode(access, options={"verify_signature": False})
        header, payload, signature = access.split(".")
        tampered = "A" if signature[0] != "A" else "B"
        basic = base64.b64encode(f"{admin.email}:{admin.password}".encode()).decode()
        return [
            ("no Authorization header", None),
            ("not a JWT", "Bearer not-a-token"),
            ("tampered signature", f"Bearer {header}.{payload}.{tampered}{signature[1:]}"),
            ("signed with another key", f"Bearer {jwt.encode(claims, 'k' * 32)}"),
            ("unsigned (alg none)", f"Bearer {jwt.encode(claims, None, algorithm='none')}"),
            ("refresh token as access token", f"Bearer {tokens['refresh_token']}"),
            ("Basic scheme with the admin's password", f"Basic {basic}"),
            ("empty Bearer", "Bearer "),
        ]

    @pytest.fixture(scope="session")
    def admin() -> AdminSession:
        """The first admin, logged in through the API, and a second admin to stand in."""
        session = AdminSession(
            email=os.environ["FIRST_ADMIN_EMAIL"], password=os.environ["FIRST_ADMIN_PASSWORD"]
        )
        tokens = _log_in(session)
        assert tokens is not None, "the first admin could not log in"
        me = _send(schema[f"{API}/users/me"]["GET"].Case(), session.headers)
        create = schema[f"{API}/users"]["POST"].Case(body=STAND_IN, media_type="application/json")
        stand_in = _send(create, session.headers)
        assert me is not None and stand_in is not None, "the admin could not read or create users"
        session.id, session.stand_in_id = me["id"], stand_in["id"]
        session.forgeries = _forgeries(tokens, session)
        return session

    def _spare_admin(case: Case, admin: AdminSession) -> None:
        """Aim a case that would change or delete the admin's own account at the stand-in.

        Demoting, deactivating or deleting itself would leave the rest of the pass
        answering 401; `/users/me` is fuzzed as it is (its changes are followed).
        """
        parameters = case.path_parameters or {}
        if case.method != "GET" and str(parameters.get("user_id")) == str(admin.id):
            parameters["user_id"] = admin.stand_in_id

    def _follow_own_changes(case: Case, response: Response, admin: AdminSession) -> None:
        """After a successful change, log in again if the admin's token stopped working.

        Changes of the admin's own email or password (`PATCH /users/me`) are followed, so
        that the harness can log in with the new credentials.
        """
        if case.operation.path == f"{API}/users/me" and isinstance(case.body, dict):
            admin.email = response.json()["email"]
            admin.password = case.body.get("password") or admin.password
        me = schema[f"{API}/users/me"]["GET"].Case()
        if _send(me, admin.headers) is not None:
            return
        lost = "the admin lost its access and could not log in again after:\n"
        lost += case.as_curl_command(headers=admin.headers)
        assert _log_in(admin) is not None and _send(me, admin.headers) is not None, lost

    def _replay_forged(case: Case, admin: AdminSession) -> None:
        """Send a case that the admin got a 2xx for again, with no or forged credentials."""
        name, authorization = admin.forgeries[next(admin.replays) % len(admin.forgeries)]
        headers = None if authorization is None else {"Authorization": authorization}
        response = _fuzz("forged", case, headers, note=f"({name}) ")
        if response is not None and response.status_code != 401:
            detail = f"{name}: got {response.status_code}, expected 401\n\nrequest: "
            detail += case.as_curl_command(headers=headers)
            status = response.status_code
            _record("forged", case, status, "auth", "Credentials not enforced", detail)

    @schema.parametrize()
    def test_admin(case: Case, admin: AdminSession) -> None:
        """Every operation, with a valid bearer token of the first admin."""
        _spare_admin(case, admin)
        response = _fuzz("admin", case, admin.headers, note="(as the first admin) ")
        if response is None or not 200 <= response.status_code < 300:
            return
        if case.operation.definition.raw.get("security"):
            _replay_forged(case, admin)
        if case.method != "GET":
            _follow_own_changes(case, response, admin)

"""Error reports: to Sentry when SENTRY_DSN is set, never with a secret in them.

A transport of the test's own (sentry-sdk's `transport` option) captures what would be
sent: the envelope of a real unhandled error through the app.
"""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import sentry_sdk
from pydantic import SecretStr
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from app import __version__
from app.core.config import Settings
from app.core.error_reporting import FILTERED, Scrubber, configure_error_reporting
from app.core.logging import REDACTED
from app.main import create_app

DSN = "https://public-key@sentry.example.com/1"
METRICS_TOKEN = "the-metrics-token-of-the-reporting-app"
# Shaped like a JWT: header.payload.signature, base64url.
A_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
SECRETS = {
    "password": "the-password-in-the-body",
    "current_password": "the-current-password-in-the-body",
    "refresh_token": "the-refresh-token-in-the-body",
    "client_secret": "the-client-secret-in-the-body",
}
BEARER = "the-bearer-token-in-the-header"
COOKIE = "the-session-cookie-value"
QUERY = "the-token-in-the-query-string"


class CapturingTransport(Transport):
    """Keeps every envelope instead of sending it."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        """Start with no envelope."""
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        """Keep `envelope`."""
        self.envelopes.append(envelope)


def _reporting(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"SENTRY_DSN": SecretStr(DSN), "METRICS_TOKEN": SecretStr(METRICS_TOKEN)}
    )


@pytest.fixture
def stop_sentry() -> Iterator[None]:
    """Leave Sentry as it was, off, after the test."""
    yield
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


@pytest.fixture
def transport(settings: Settings, stop_sentry: None) -> CapturingTransport:
    """Sentry on, configured as the app configures it, into a capturing transport."""
    capturing = CapturingTransport()
    configure_error_reporting(_reporting(settings), __version__, capturing)
    return capturing


@pytest.fixture
async def failing_client(transport: CapturingTransport) -> AsyncIterator[httpx.AsyncClient]:
    """A client on an app with a route that fails, quoting secrets in its error."""
    app = create_app()

    @app.post("/fail")
    async def fail(body: dict[str, str]) -> None:
        raise RuntimeError(f"failed with {A_JWT} and {METRICS_TOKEN}")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def _events(transport: CapturingTransport) -> list[dict[str, Any]]:
    return [
        event for envelope in transport.envelopes if (event := envelope.get_event()) is not None
    ]


async def test_an_unhandled_error_is_reported_without_a_secret(
    failing_client: httpx.AsyncClient, transport: CapturingTransport
) -> None:
    response = await failing_client.post(
        f"/fail?token={QUERY}",
        json={"email": "ann@example.com", "note": "kept", **SECRETS},
        headers={"Authorization": f"Bearer {BEARER}", "Cookie": f"session={COOKIE}"},
    )
    sentry_sdk.flush()

    assert response.status_code == 500
    events = _events(transport)
    assert events
    (reported,) = [event for event in events if "request" in event]
    (error,) = reported["exception"]["values"]
    assert error["type"] == "RuntimeError"
    assert error["value"] == f"failed with {REDACTED} and {REDACTED}"
    request = reported["request"]
    assert request["data"] == {"email": "ann@example.com", "note": "kept"} | dict.fromkeys(
        SECRETS, FILTERED
    )
    assert (request["headers"]["authorization"], request["headers"]["cookie"]) == (FILTERED,) * 2
    assert request["query_string"] == FILTERED
    sent = b"".join(envelope.serialize() for envelope in transport.envelopes).decode()
    leaked = [
        s for s in (*SECRETS.values(), BEARER, COOKIE, QUERY, A_JWT, METRICS_TOKEN) if s in sent
    ]
    assert leaked == []


def test_the_scrubber_filters_secret_keys_at_any_depth() -> None:
    scrub = Scrubber([METRICS_TOKEN])
    event = {
        "breadcrumbs": {"values": [{"message": f"sent {A_JWT}", "data": {"api_key": "k1"}}]},
        "extra": {"settings": ({"SECRET_KEY": "k2", "port": 8000},), "x-csrftoken": "k3"},
        "modules": {"pwdlib": "0.3.0", "secretstorage": "3.3.3"},
    }

    assert scrub(event, {}) == {
        "breadcrumbs": {"values": [{"message": f"sent {REDACTED}", "data": {"api_key": FILTERED}}]},
        "extra": {"settings": [{"SECRET_KEY": FILTERED, "port": 8000}], "x-csrftoken": FILTERED},
        "modules": {"pwdlib": "0.3.0", "secretstorage": "3.3.3"},
    }


def test_with_a_dsn_the_app_reports_errors_through_the_scrubber(
    settings: Settings, stop_sentry: None
) -> None:
    create_app(_reporting(settings))

    client = sentry_sdk.get_client()
    assert client.is_active()
    assert client.dsn == DSN
    assert isinstance(client.options["before_send"], Scrubber)
    assert client.options["release"] == __version__


def test_without_a_dsn_nothing_is_reported(settings: Settings) -> None:
    create_app(settings)

    assert not sentry_sdk.get_client().is_active()

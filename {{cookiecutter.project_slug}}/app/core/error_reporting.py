"""Error reports to Sentry, when SENTRY_DSN is set, scrubbed of secrets before they leave.

sentry-sdk's FastAPI integration reports each unhandled error (the 500s) with its request,
and each ERROR log line. Before an event is sent, `Scrubber` replaces every value whose
key names a secret (passwords, tokens, Authorization and Cookie headers, cookies,
sessions, keys) with `[Filtered]`, wherever it sits (request body, headers, breadcrumbs,
extras), drops the query string, and masks the configured secrets and anything shaped
like a JWT in every string, as the logs do. `create_app` imports this module only when
SENTRY_DSN is set: without it, sentry-sdk is not even loaded.
"""

import re
from typing import Any, cast

import sentry_sdk
from sentry_sdk.transport import Transport
from sentry_sdk.types import Event, Hint

from app.core.config import Settings
from app.core.logging import Redactor, configured_secrets

# Sentry's own mark for a value it removed.
FILTERED = "[Filtered]"
# Keys whose values are secrets: request fields, headers, cookies, extras.
_SECRET_KEY = re.compile(
    r"password|passwd|pwd|secret|token|auth|cookie|session|csrf|xsrf|api[-_]?key|dsn"
    r"|credential|private[-_]?key",
    re.IGNORECASE,
)


def configure_error_reporting(
    settings: Settings, version: str, transport: Transport | None = None
) -> None:
    """Send error reports to `settings.SENTRY_DSN` (through `transport`, if given)."""
    sentry_sdk.init(
        dsn=settings.SENTRY_DSN.get_secret_value(),
        environment=settings.ENVIRONMENT,
        release=version,
        # Personal data (IP addresses, users, cookies) stays out: sentry-sdk's default.
        # A local variable can hold a password inside a repr that no key names.
        include_local_variables=False,
        before_send=Scrubber(configured_secrets(settings)),
        transport=transport,
    )


class Scrubber:
    """Sentry's `before_send`: the event without secrets."""

    def __init__(self, secrets: list[str]) -> None:
        """Mask `secrets` (the configured ones) in every string of an event."""
        self._redact = Redactor(secrets)

    def __call__(self, event: Event, _: Hint) -> Event:
        """The scrubbed copy of `event`."""
        request = event.get("request")
        if isinstance(request, dict) and request.get("query_string"):
            request["query_string"] = FILTERED
        # The installed packages and their versions: names such as "pwdlib" are no secret.
        modules = event.pop("modules", None)
        scrubbed = cast(Event, self._scrub(event))
        if modules is not None:
            scrubbed["modules"] = modules
        return scrubbed

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: (
                    FILTERED
                    if isinstance(key, str) and _SECRET_KEY.search(key)
                    else self._scrub(item)
                )
                for key, item in value.items()
            }
        if isinstance(value, list | tuple):
            return [self._scrub(item) for item in value]
        if isinstance(value, str):
            return self._redact(value)
        return value

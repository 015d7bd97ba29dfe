"""The OpenAPI document (`/openapi.json`) as linters, gateways and client generators want it.

FastAPI writes the document from the routes; these conventions complete it, so that a new
route gets everything from what it already has:

- its operation id is the name of its route function (`list_items`), unique in the app;
- an operation without a security scheme says so: `security: []`, public on purpose;
- a tag is described by the docstring of the module whose routes carry it;
- the problem schema, which `error_responses` points every error at, is in `components`.
"""

import inspect
import sys
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute

from app.core.config import Settings
from app.core.errors import problem_schemas

CONTACT = {
    "name": {{ cookiecutter.author_name | python_string }},
    "email": {{ cookiecutter.author_email | python_string }},
}
# No license until the owners choose one: an SPDX `LicenseRef-` names a license of their own.
LICENSE = {"name": "Proprietary", "identifier": "LicenseRef-Proprietary"}


def operation_id(route: APIRoute) -> str:
    """An operation's id: the name of its route function."""
    return route.name


def servers(settings: Settings) -> list[dict[str, str]]:
    """Where clients reach the API: `PUBLIC_URL`, or else relative to the document (`/`)."""
    return [{"url": str(settings.PUBLIC_URL).rstrip("/") if settings.PUBLIC_URL else "/"}]


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """Add to FastAPI's `document` what the conventions above promise; return it."""
    descriptions = _tag_descriptions()
    described = {tag["name"] for tag in document.get("tags", [])}
    for operations in document["paths"].values():
        for operation in operations.values():
            operation.setdefault("security", [])
            for tag in operation.get("tags", []):
                if tag not in described:
                    described.add(tag)
                    document.setdefault("tags", []).append(
                        {"name": tag, "description": descriptions.get(tag)}
                    )
    document.setdefault("components", {}).setdefault("schemas", {}).update(problem_schemas())
    return document


def _tag_descriptions() -> dict[str, str | None]:
    """The tags of each router of `app.api`, described by the docstring of its module.

    A route module names its router `router`; the modules are looked up among those
    imported, so this works whatever FastAPI does with the routers it includes.
    """
    descriptions: dict[str, str | None] = {}
    for name, module in list(sys.modules.items()):
        router = getattr(module, "router", None)
        if name.startswith("app.api.") and isinstance(router, APIRouter):
            descriptions.update(dict.fromkeys(map(str, router.tags), inspect.getdoc(module)))
    return descriptions

"""Every version-1 route, under one router."""

from fastapi import APIRouter
{%- if cookiecutter.auth == "jwt" and cookiecutter.include_example_resource == "yes" %}

from app.api.v1 import auth, items, users
{%- elif cookiecutter.auth == "jwt" %}

from app.api.v1 import auth, users
{%- elif cookiecutter.include_example_resource == "yes" %}

from app.api.v1 import items
{%- endif %}

api_router = APIRouter()
{%- if cookiecutter.auth == "jwt" %}
api_router.include_router(auth.router)
api_router.include_router(users.router)
{%- endif %}
{%- if cookiecutter.include_example_resource == "yes" %}
api_router.include_router(items.router)
{%- endif %}

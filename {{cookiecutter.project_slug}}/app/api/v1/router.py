"""Every version-1 route, under one router."""

from fastapi import APIRouter
{%- if cookiecutter.auth == "jwt" %}

from app.api.v1 import auth, users
{%- endif %}

api_router = APIRouter()
{%- if cookiecutter.auth == "jwt" %}
api_router.include_router(auth.router)
api_router.include_router(users.router)
{%- endif %}

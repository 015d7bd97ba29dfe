"""The ASGI application: `uvicorn app.main:app`."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.api import health
from app.api.v1.router import api_router
from app.core.config import API_V1_PREFIX, Settings, get_settings
from app.core.errors import register_error_handlers
from app.repositories.sql.database import get_engine


@asynccontextmanager
async def _lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield
    await get_engine().dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app: routes, error handlers and middleware, configured by `settings`."""
    settings = settings or get_settings()
    logging.basicConfig()
    logging.getLogger("app").setLevel(settings.LOG_LEVEL)
    app = FastAPI(
        title=settings.PROJECT_NAME,
        description={{ cookiecutter.project_description | python_string }},
        version="0.1.0",
        debug=settings.DEBUG,
        lifespan=_lifespan,
    )
    if settings.CORS_ORIGINS:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.CORS_ORIGINS,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    register_error_handlers(app)
    app.include_router(health.router)
    app.include_router(api_router, prefix=API_V1_PREFIX)
    return app


app = create_app()

"""SQLModel tables, a module each. Importing this package imports every module in it, so
that each table is on `metadata` for the app and for Alembic; a new module needs no entry."""

import importlib
import pkgutil

from app.models.base import metadata

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["metadata"]

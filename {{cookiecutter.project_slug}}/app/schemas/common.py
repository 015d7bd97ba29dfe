"""Shapes shared by many endpoints."""

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total count to page through it."""

    items: list[T]
    total: int
    limit: int
    offset: int


class Status(BaseModel):
    """A health answer."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: str

"""Shapes shared by many endpoints."""

from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

T = TypeVar("T")


def _not_null(value: T | None) -> T:
    if value is None:
        raise ValueError("may be left out, but not set to null")
    return value


def _not_nullable(schema: dict[str, Any]) -> None:
    # Document the field as its type alone: null is refused, and leaving it out is the default.
    schema.pop("default", None)
    kinds = schema.pop("anyOf", [])
    schema.update(next((kind for kind in kinds if kind != {"type": "null"}), {}))


# A field of an update body that may be left out, but never set to null: a required field
# of the resource. `title: Omittable[Title] = None`.
Omittable = Annotated[T | None, AfterValidator(_not_null), Field(json_schema_extra=_not_nullable)]


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

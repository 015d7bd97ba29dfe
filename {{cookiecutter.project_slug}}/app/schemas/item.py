"""Item bodies."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

Title = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=2000)]


class ItemCreate(BaseModel):
    """A new item{% if cookiecutter.auth == "jwt" %}; its owner is the caller{% endif %}."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Description | None = None


class ItemUpdate(BaseModel):
    """Changes to an item; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    description: Description | None = None

    @field_validator("title")
    @classmethod
    def _title_not_null(cls, title: str | None) -> str:
        if title is None:
            raise ValueError("title may be left out, but not set to null")
        return title


class ItemRead(BaseModel):
    """An item as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str | None
{%- if cookiecutter.auth == "jwt" %}
    owner_id: int
{%- endif %}
    created_at: datetime
    updated_at: datetime

"""The item table: the example resource{% if cookiecutter.auth == "jwt" %}, owned by a user{% endif %}."""

from sqlmodel import Field

from app.models.mixins import IdMixin, TimestampMixin


class Item(IdMixin, TimestampMixin, table=True):
    """Something {% if cookiecutter.auth == "jwt" %}a user owns{% else %}to keep{% endif %}; the example of a resource to copy from."""

    __tablename__ = "item"

    title: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=2000)
{%- if cookiecutter.auth == "jwt" %}
    owner_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
{%- endif %}

"""The item table: the example resource, owned by a user."""

from sqlmodel import Field

from app.models.mixins import IdMixin, TimestampMixin


class Item(IdMixin, TimestampMixin, table=True):
    """Something a user owns; the example of a resource to copy from."""

    __tablename__ = "item"

    title: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    owner_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")

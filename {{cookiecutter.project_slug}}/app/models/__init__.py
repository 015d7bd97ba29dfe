"""SQLModel tables. Importing this package registers every table on `metadata`."""

from app.models.base import metadata
from app.models.item import Item
from app.models.refresh_token import RefreshToken
from app.models.user import User

__all__ = ["Item", "RefreshToken", "User", "metadata"]

"""SQLModel tables. Importing this package registers every table on `metadata`."""

from app.models.base import metadata
{%- if cookiecutter.include_example_resource == "yes" %}
from app.models.item import Item
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
from app.models.refresh_token import RefreshToken
from app.models.user import User
{%- endif %}

__all__ = [
{%- if cookiecutter.include_example_resource == "yes" %}"Item", {% endif %}
{%- if cookiecutter.auth == "jwt" %}"RefreshToken", "User", {% endif %}"metadata"]

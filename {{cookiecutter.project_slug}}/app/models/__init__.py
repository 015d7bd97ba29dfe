"""SQLModel tables. Importing this package registers every table on `metadata`."""

{% if cookiecutter.auth == "jwt" -%}
from app.models.auth_session import AuthSession
{% endif -%}
from app.models.base import metadata
{%- if cookiecutter.include_example_resource == "yes" %}
from app.models.item import Item
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
from app.models.login_throttle import LoginThrottle
from app.models.user import User
{%- endif %}

__all__ = [
{%- if cookiecutter.auth == "jwt" %}"AuthSession", {% endif %}
{%- if cookiecutter.include_example_resource == "yes" %}"Item", {% endif %}
{%- if cookiecutter.auth == "jwt" %}"LoginThrottle", "User", {% endif %}"metadata"]

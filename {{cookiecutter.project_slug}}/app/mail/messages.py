"""One outbox mail as a MIME message: its templates rendered, its headers made safe.

Each mail NAME has three templates in app/templates/mail: `NAME.subject.txt`, `NAME.txt`
(the plain-text part) and `NAME.html` (the HTML part, where every value is escaped). Each
gets the mail's context plus `project_name` and `frontend_url`.
"""

import unicodedata
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from app.core.config import Settings
from app.models.mail import OutboxMail
from app.utils.time import utcnow

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "mail"


@dataclass(frozen=True, slots=True)
class Rendered:
    """The three parts of a mail, rendered."""

    subject: str
    text: str
    html: str


@lru_cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: str, context: dict[str, Any]) -> Rendered:
    """Render the mail `template` with `context`; jinja2.TemplateError if it cannot be."""
    environment = _environment()
    parts = [
        environment.get_template(f"{template}.{suffix}").render(context)
        for suffix in ("subject.txt", "txt", "html")
    ]
    return Rendered(subject=one_line(parts[0]), text=parts[1], html=parts[2])


def one_line(text: str) -> str:
    """`text` as one header-safe line: control characters (CR and LF among them) are blanks."""
    cleaned = "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)
    return " ".join(cleaned.split())


def message_id(mail: OutboxMail, settings: Settings) -> str:
    """The Message-ID of `mail`, the same on every attempt: a duplicate shows as one."""
    domain = settings.EMAILS_FROM_EMAIL.rpartition("@")[2]
    return f"<outbox.{mail.id}.{mail.created_at:%Y%m%d%H%M%S%f}@{domain}>"


def compose(mail: OutboxMail, settings: Settings) -> EmailMessage:
    """The message of `mail`: text and HTML alternatives, from the sender of the settings.

    Addresses go through `email.headerregistry.Address` and the SMTP policy, so no name or
    subject can add a header: a line break in them is a blank.
    """
    context = {
        "project_name": settings.PROJECT_NAME,
        "frontend_url": str(settings.FRONTEND_URL),
        **(mail.context or {}),
    }
    rendered = render(mail.template, context)
    message = EmailMessage(policy=SMTP)
    message["Subject"] = rendered.subject
    message["From"] = Address(
        one_line(settings.EMAILS_FROM_NAME), addr_spec=settings.EMAILS_FROM_EMAIL
    )
    message["To"] = Address(one_line(mail.to_name), addr_spec=mail.to_email)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id(mail, settings)
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message

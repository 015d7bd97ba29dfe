"""A mail as its recipient gets it: both parts rendered, values escaped in HTML, no header
that a name, an address or a subject could add, a Message-ID that every attempt repeats."""

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import jinja2
import pytest

from app.core.config import Settings
from app.mail.messages import compose, message_id, one_line, render
from app.models.mail import OutboxMail

INJECTION = "Eve\r\nBcc: victim@example.com\r\n\r\nforged body"


def _mail(**overrides: object) -> OutboxMail:
    fields: dict[str, object] = {
        "id": 7,
        "created_at": datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        "to_email": "ann@example.com",
        "to_name": "Ann Smith",
        "template": "mail_check",
        "context": {"requested_at": "2030-01-02 03:04"},
    }
    return OutboxMail(**(fields | overrides))


def _as_received(message: EmailMessage) -> EmailMessage:
    """The message as a mail client reads it back from the wire."""
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _settings(settings: Settings, **overrides: object) -> Settings:
    return settings.model_copy(update=overrides)


def test_a_mail_has_a_text_and_an_html_part(settings: Settings) -> None:
    received = _as_received(compose(_mail(), settings))

    assert received.get_content_type() == "multipart/alternative"
    text, html = received.get_body(("plain",)), received.get_body(("html",))
    assert text is not None and html is not None
    assert "asked for at 2030-01-02 03:04 UTC" in text.get_content()
    assert "<code>check-mail</code>" in html.get_content()
    assert received["Subject"] == f"Test mail from {settings.PROJECT_NAME}"
    assert received["From"] == f"{settings.EMAILS_FROM_NAME} <{settings.EMAILS_FROM_EMAIL}>"
    assert received["To"] == "Ann Smith <ann@example.com>"


def test_html_escapes_every_value_and_text_keeps_it(settings: Settings) -> None:
    markup = '<a href="https://evil.example">&click</a>'
    mail = _mail(context={"requested_at": markup})

    received = _as_received(compose(mail, _settings(settings, PROJECT_NAME="<b>Shop</b>")))

    html = received.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = received.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert markup not in html and "<b>Shop</b>" not in html
    assert "&lt;a href=&#34;https://evil.example&#34;&gt;&amp;click&lt;/a&gt;" in html
    assert "&lt;b&gt;Shop&lt;/b&gt;" in html
    assert markup in text


@pytest.mark.parametrize("where", ["recipient's name", "sender's name", "subject"])
def test_a_line_break_in_a_name_or_subject_adds_no_header(settings: Settings, where: str) -> None:
    mail, changed = _mail(), settings
    if where == "recipient's name":
        mail = _mail(to_name=INJECTION)
    elif where == "sender's name":
        changed = _settings(settings, EMAILS_FROM_NAME=INJECTION)
    else:  # the subject of mail_check names the project
        changed = _settings(settings, PROJECT_NAME=INJECTION)

    message = compose(mail, changed)
    headers = message.as_bytes().split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    received = _as_received(message)

    assert [line.split(b":")[0] for line in headers if not line.startswith(b" ")] == [
        b"Subject",
        b"From",
        b"To",
        b"Date",
        b"Message-ID",
        b"MIME-Version",
        b"Content-Type",
    ]
    assert [address.addr_spec for address in received["To"].addresses] == ["ann@example.com"]


def test_a_line_break_in_a_name_is_kept_as_a_blank() -> None:
    assert one_line(INJECTION) == "Eve Bcc: victim@example.com forged body"


def test_every_attempt_has_the_same_message_id_and_each_mail_its_own(settings: Settings) -> None:
    first, again = compose(_mail(), settings), compose(_mail(), settings)
    other = compose(_mail(id=8), settings)

    assert first["Message-ID"] == again["Message-ID"] == message_id(_mail(), settings)
    assert first["Message-ID"] == "<outbox.7.20300102030405678901@example.com>"
    assert other["Message-ID"] != first["Message-ID"]


def test_a_missing_template_or_value_is_a_template_error() -> None:
    with pytest.raises(jinja2.TemplateNotFound):
        render("no_such_mail", {})
    with pytest.raises(jinja2.UndefinedError):
        render("mail_check", {"project_name": "x"})

"""Handing a message over: to the SMTP server, or, without one, to a folder of .eml files."""

import asyncio
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib

from app.core.config import Settings

# What a failed hand-over raises: the reason to keep, and whether trying again may help.
SEND_ERRORS = (aiosmtplib.SMTPException, OSError, TimeoutError)


class RefusedError(Exception):
    """The server refused the recipient for good (a 5xx answer): no attempt will do better."""


async def send(message: EmailMessage, settings: Settings, name: str) -> str:
    """Send `message`; return where it went.

    With SMTP_HOST, through that server (SEND_ERRORS, or RefusedError for a refused
    recipient); without it, written to EMAILS_DEV_DIR as `name`.eml, which production's
    settings never allow.
    """
    if not settings.SMTP_HOST:
        return await asyncio.to_thread(_write, message, Path(settings.EMAILS_DEV_DIR), name)
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.SMTP_HOST,
            port=settings.SMTP_PORT,
            username=settings.SMTP_USER or None,
            password=settings.SMTP_PASSWORD.get_secret_value() or None,
            use_tls=settings.SMTP_SSL,
            # Explicit, so that without SMTP_TLS no STARTTLS is tried either.
            start_tls=settings.SMTP_TLS,
            timeout=settings.SMTP_TIMEOUT_SECONDS,
        )
    except aiosmtplib.SMTPRecipientsRefused as refused:
        codes = [error.code for error in refused.recipients]
        if all(500 <= code < 600 for code in codes):
            raise RefusedError(str(refused.recipients[0])) from None
        raise
    return f"{settings.SMTP_HOST}:{settings.SMTP_PORT}"


def _write(message: EmailMessage, folder: Path, name: str) -> str:
    if not folder.is_dir():
        folder.mkdir(parents=True)
        # Development mail is nobody's to commit: the folder ignores itself.
        (folder / ".gitignore").write_text("*\n", encoding="utf-8")
    path = folder / f"{name}.eml"
    path.write_bytes(message.as_bytes())
    return str(path)

"""Create the first admin from FIRST_ADMIN_EMAIL and FIRST_ADMIN_PASSWORD.

Run `python -m app.initial_data` (or the command line's `create-admin`, app/cli.py) after
migrating; running it again changes nothing.
"""

import asyncio
import sys

from pydantic import ValidationError

from app.core.config import get_settings
from app.core.security import PasswordHasher
from app.repositories.sql.database import get_engine, get_session_factory
from app.repositories.sql.unit_of_work import SqlUnitOfWork
from app.services.passwords import LoginPolicy
from app.services.users import UserService


async def create_first_admin(email: str | None = None, password: str | None = None) -> str:
    """Create the first admin unless that email exists; return what happened.

    `email` and `password` default to FIRST_ADMIN_EMAIL and FIRST_ADMIN_PASSWORD.
    """
    settings = get_settings()
    service = UserService(
        SqlUnitOfWork(get_session_factory()),
        PasswordHasher.from_settings(settings),
        LoginPolicy.from_settings(settings),
    )
    try:
        user, created = await service.ensure_admin(
            email or settings.FIRST_ADMIN_EMAIL,
            password or settings.FIRST_ADMIN_PASSWORD.get_secret_value(),
        )
    finally:
        await get_engine().dispose()
    return f"{'Created' if created else 'Kept existing'} admin {user.email}"


def main() -> None:
    """Entry point of `python -m app.initial_data`; exits 1 on a bad admin setting."""
    try:
        print(asyncio.run(create_first_admin()))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        sys.exit(f"FIRST_ADMIN_EMAIL / FIRST_ADMIN_PASSWORD rejected: {problems}")


if __name__ == "__main__":
    main()

"""Email verification: whether a user's address is confirmed, and the address a token confirms.

Numbered 0004 in every project, after the PostgreSQL projects' job queue (0003), so a
template revision has one name whatever the answers.

Revision ID: 0004_email_verification
Revises: {% if cookiecutter.database == "postgresql" %}0003_job_queue{% else %}0002_account_mail{% endif %}
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_email_verification"
down_revision: str | None = "{% if cookiecutter.database == "postgresql" %}0003_job_queue{% else %}0002_account_mail{% endif %}"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the columns; every existing user starts unverified."""
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(
            sa.Column("email_verified", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("account_token") as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("account_token") as batch_op:
        batch_op.drop_column("email")
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("email_verified")

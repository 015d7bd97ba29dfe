"""The metadata that holds every table, for the app and for Alembic."""

from sqlmodel import SQLModel

metadata = SQLModel.metadata

# Constraint names that are the same on every database, so migrations can refer to them.
metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

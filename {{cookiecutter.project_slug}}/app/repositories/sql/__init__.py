"""The SQLAlchemy implementations of the repository interfaces."""

"""Repository tests, on the isolated SQLite test database."""

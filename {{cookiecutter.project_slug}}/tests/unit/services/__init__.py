"""Service tests, on the in-memory fakes: no database."""

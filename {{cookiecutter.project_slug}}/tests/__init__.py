"""The test suite: unit tests on fakes and SQLite, integration tests through HTTP."""

"""Small helpers with no dependencies on the app's layers."""

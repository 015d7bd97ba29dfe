"""The application package: routes, services, repositories and models."""

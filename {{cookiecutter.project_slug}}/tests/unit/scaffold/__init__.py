"""The resource generator, app/scaffold."""

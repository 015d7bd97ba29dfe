"""{{ cookiecutter.project_name }}: a layered FastAPI backend."""

"""The background jobs: mail delivery and the periodic clean-up, and the workers that run them.

`tasks.py` holds the jobs themselves. `{{ cookiecutter.database }}_worker.py` runs them, in the
app's process (JOBS_IN_PROCESS) or in `{{ cookiecutter.project_slug }} worker` processes.
"""

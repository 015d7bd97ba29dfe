"""What the template's tests (tests/) and its benchmark (bench/) share: the template and
its answers, baking it with the cookiecutter CLI (baking.py), copies of it to bake from
(snapshots.py), a throwaway PostgreSQL cluster (postgres_cluster.py) and a bake served by
uvicorn (serving.py). Nothing here imports pytest or the tests.
"""

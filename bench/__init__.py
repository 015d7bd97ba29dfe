"""The benchmark harness of the template: see bench/README.md and bench/run.py."""

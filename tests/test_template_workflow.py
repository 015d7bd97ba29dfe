"""The GitHub Actions workflow that tests the template itself (.github/workflows/template.yml),
for teams that fork it: it is a valid workflow, it runs the template's suite, and its variant
matrix is the test matrix of tests/baking.py, each variant checked with its own Makefile.
"""

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.baking import TEMPLATE_DIR, matrix, run

WORKFLOW = TEMPLATE_DIR / ".github/workflows/template.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return loaded


def _runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def test_the_workflow_matches_the_github_workflow_schema() -> None:
    run(
        TEMPLATE_DIR,
        "check-jsonschema",
        "--builtin-schema",
        "vendor.github-workflows",
        str(WORKFLOW),
    )


def test_the_suite_job_runs_make_test_with_the_history_and_the_browser(
    workflow: dict[str, Any],
) -> None:
    suite = workflow["jobs"]["suite"]
    checkout = next(
        step for step in suite["steps"] if step.get("uses", "").startswith("actions/checkout")
    )

    assert checkout["with"]["fetch-depth"] == 0
    assert any("chromium" in command for command in _runs(suite))
    assert _runs(suite)[-1] == "make test"


def test_the_variant_matrix_is_the_test_matrix(workflow: dict[str, Any]) -> None:
    included = workflow["jobs"]["variant"]["strategy"]["matrix"]["include"]

    assert included == matrix()


def test_each_variant_is_baked_with_its_answers_and_checked_by_its_makefile(
    workflow: dict[str, Any],
) -> None:
    variant = workflow["jobs"]["variant"]
    bake = next(command for command in _runs(variant) if "cookiecutter --no-input" in command)
    check = variant["steps"][-1]

    unanswered = [name for name in matrix()[0] if f"{name}=${{{{ matrix.{name} }}}}" not in bake]
    assert unanswered == []
    assert check["run"] == "make install check"
    assert Path(check["working-directory"]).name == "my_backend"

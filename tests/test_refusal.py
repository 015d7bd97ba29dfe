"""A project slug that names no plain folder is refused by name by the hook, through
cookiecutter's CLI, and the output folder stays as it was.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.baking import BIN, TEMPLATE_DIR


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder to bake from, with cookiecutter's user config and caches kept in `tmp_path`
    and the shared environment's `cookiecutter` on PATH, as installed."""
    home = tmp_path / "home"
    config = home / "config.yaml"
    home.mkdir()
    config.write_text(
        f'cookiecutters_dir: "{home / "cookiecutters"}"\nreplay_dir: "{home / "replay"}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("COOKIECUTTER_CONFIG", str(config))
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "work").mkdir()
    return tmp_path / "work"


def run(cwd: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """Run a program found on PATH in `cwd`; return its exit status and output."""
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=180)


def entries(folder: Path) -> dict[str, bytes]:
    """Every path under `folder` with the content of the files."""
    return {
        str(path.relative_to(folder)): path.read_bytes() if path.is_file() else b""
        for path in folder.rglob("*")
    }


@pytest.mark.parametrize("overwrite", [[], ["--overwrite-if-exists"]], ids=["new", "overwrite"])
@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ("project_name=", "ERROR: project_name='' is invalid: must not be empty"),
        ("project_slug=", "ERROR: project_slug='' is invalid: must be a lowercase Python"),
        ("project_slug= ", "ERROR: project_slug=' ' is invalid: must be a lowercase Python"),
        ("project_slug=..", "ERROR: project_slug='..' is invalid: must be a lowercase Python"),
        ("project_slug=a/b", "ERROR: project_slug='a/b' is invalid: must be a lowercase Python"),
    ],
)
def test_a_slug_that_names_no_plain_folder_is_refused_by_name_and_changes_nothing(
    work: Path, answer: str, error: str, overwrite: list[str]
) -> None:
    (work / "unrelated.txt").write_text("mine\n", encoding="utf-8")
    before = entries(work)

    result = run(work, "cookiecutter", str(TEMPLATE_DIR), "--no-input", *overwrite, answer)

    assert result.returncode != 0
    assert re.search(rf"^{re.escape(error)}", result.stderr, flags=re.MULTILINE), result.stderr
    assert "already exists" not in result.stdout + result.stderr
    assert entries(work) == before


def test_a_parent_slug_into_a_new_output_folder_leaves_its_parent_alone(work: Path) -> None:
    # Before the stand-in folder, cookiecutter created out/new/.. (that is, used out) and
    # removed it, with every file in it, when the hook refused the slug.
    (work / "out").mkdir()
    (work / "out" / "unrelated.txt").write_text("mine\n", encoding="utf-8")

    result = run(
        work, "cookiecutter", str(TEMPLATE_DIR), "--no-input", "-o", "out/new", "project_slug=.."
    )

    assert result.returncode != 0
    assert "ERROR: project_slug='..' is invalid" in result.stderr
    # Cookiecutter itself creates a missing output folder before any hook runs.
    assert entries(work / "out") == {"unrelated.txt": b"mine\n", "new": b""}

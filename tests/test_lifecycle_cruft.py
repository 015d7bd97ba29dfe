"""A baked project's life after the bake: it stays current with cruft (`cruft create`,
`cruft check`, `cruft update`).

Each test works on git repositories in a temporary folder, never on this one:

- a snapshot of the template as it is in the working tree, committed to a fresh repository,
  to bake from with `cruft create` and to change, as a template's maintainers would;
- a clone of this repository's history, to bake a project at an earlier commit of the real
  template and update it to the current one, as a team with an old project would.

cruft clones local paths with git, so no network is needed. Its tools run from the shared
environment, like the baked projects' own.
"""

import json
import subprocess
from pathlib import Path

import pytest

from tools.baking import TEMPLATE_DIR, run
from tools.snapshots import commit_all, git, snapshot

pytestmark = pytest.mark.xdist_group("cruft")

# The commit of the real template that a project is first baked at in the upgrade test.
OLD_COMMIT_SUBJECT = "Variant options in cookiecutter.json"
TEMPLATE_PROJECT = "{{cookiecutter.project_slug}}"


def cruft(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run cruft from the shared environment; no question is ever asked."""
    return run(cwd, "cruft", *args, check=check)


def cruft_create(template: Path, output: Path, *options: str) -> Path:
    """`cruft create` the default project into `output`; commit it as a team would.

    Not tools/baking.py's `bake`: cruft's own bake is what these tests are about (it
    records the template and its commit in .cruft.json)."""
    output.mkdir()
    cruft(output, "create", str(template), "--no-input", "--output-dir", str(output), *options)
    (project,) = (path for path in output.iterdir() if path.is_dir())
    git(project, "init", "-q")
    commit_all(project, "Baked with cruft")
    return project


def _rejects(project: Path) -> list[str]:
    return [str(path.relative_to(project)) for path in project.rglob("*.rej")]


def _files(root: Path) -> dict[str, bytes]:
    """Every file under `root` but git's, cruft's and the secrets, with its content."""
    skipped = {".git", ".cruft.json", ".env"}
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and not skipped & set(path.relative_to(root).parts)
    }


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """A git repository with one commit: the template as it is in the working tree."""
    repo = tmp_path / "template"
    snapshot(repo)
    git(repo, "init", "-q")
    commit_all(repo, "The template as it is")
    return repo


def test_a_project_baked_with_cruft_is_up_to_date(template: Path, tmp_path: Path) -> None:
    project = cruft_create(template, tmp_path / "out")

    state = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert state["commit"] == git(template, "rev-parse", "HEAD").strip()
    assert cruft(project, "check").returncode == 0


def test_cruft_update_brings_a_template_change_into_the_project(
    template: Path, tmp_path: Path
) -> None:
    project = cruft_create(template, tmp_path / "out")
    env_before = (project / ".env").read_bytes()
    readme = template / TEMPLATE_PROJECT / "README.md"
    readme.write_text(
        readme.read_text(encoding="utf-8") + "\n## Changed by the template\n", encoding="utf-8"
    )
    example = template / TEMPLATE_PROJECT / ".env.example"
    example.write_text(
        example.read_text(encoding="utf-8") + "\n# A setting the template added.\n",
        encoding="utf-8",
    )
    commit_all(template, "Change the README and .env.example")

    assert cruft(project, "check", check=False).returncode != 0
    cruft(project, "update", "-y")

    assert (
        (project / "README.md")
        .read_text(encoding="utf-8")
        .endswith("\n## Changed by the template\n")
    )
    assert (
        (project / ".env.example")
        .read_text(encoding="utf-8")
        .endswith("\n# A setting the template added.\n")
    )
    assert _rejects(project) == []
    assert git(project, "status", "--porcelain").split() == [
        "M",
        ".cruft.json",
        "M",
        ".env.example",
        "M",
        "README.md",
    ]
    assert cruft(project, "check").returncode == 0
    # .env is in [tool.cruft] skip: its secrets are the project's, never the template's.
    assert (project / ".env").read_bytes() == env_before


def test_cruft_update_never_rewrites_the_secrets_of_a_project(
    template: Path, tmp_path: Path
) -> None:
    project = cruft_create(template, tmp_path / "out")
    env_before = (project / ".env").read_bytes()
    # Each bake of the template writes fresh secrets: so does cruft's, for its diff.
    example = template / TEMPLATE_PROJECT / ".env.example"
    example.write_text(
        example.read_text(encoding="utf-8").replace("LOG_LEVEL=INFO", "LOG_LEVEL=WARNING"),
        encoding="utf-8",
    )
    commit_all(template, "Quieter logs by default")

    cruft(project, "update", "-y")

    assert (project / ".env").read_bytes() == env_before
    assert "LOG_LEVEL=WARNING" in (project / ".env.example").read_text(encoding="utf-8")
    assert not (project / ".env.rej").exists()


@pytest.fixture
def template_history(tmp_path: Path) -> tuple[Path, str]:
    """A clone of this repository whose newest commit is the working tree; and the older
    commit that introduced the variant options."""
    clone = tmp_path / "history"
    git(tmp_path, "clone", "-q", "--no-hardlinks", str(TEMPLATE_DIR), str(clone))
    old = git(clone, "log", "--format=%H", "-F", "--grep", OLD_COMMIT_SUBJECT).split()
    if not old:
        pytest.skip(f"no commit '{OLD_COMMIT_SUBJECT}' in this clone's history (shallow?)")
    git(clone, "rm", "-q", "-r", ".")
    snapshot(clone)
    commit_all(clone, "The template as it is in the working tree")
    return clone, old[-1]


@pytest.mark.slow
def test_an_old_project_updates_to_the_current_template_and_passes_its_tests(
    template_history: tuple[Path, str], tmp_path: Path
) -> None:
    template, old_commit = template_history
    project = cruft_create(template, tmp_path / "old", "--checkout", old_commit)
    env_before = (project / ".env").read_bytes()
    # The one manual step for projects baked before [tool.cruft] skip existed (README:
    # "Keeping a project current"): skip .env in .cruft.json before the first update.
    state = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    (project / ".cruft.json").write_text(
        json.dumps({**state, "skip": [".env"]}, indent=2) + "\n", encoding="utf-8"
    )
    commit_all(project, "Skip .env on template updates")

    cruft(project, "update", "-y")

    assert _rejects(project) == []
    assert (project / ".env").read_bytes() == env_before
    assert cruft(project, "check").returncode == 0
    # Nothing was changed by hand, so the update gives exactly what a fresh bake gives.
    fresh = cruft_create(template, tmp_path / "fresh")
    assert _files(project) == _files(fresh)
    run(project, "python", "-m", "pytest", "-p", "no:cacheprovider", "-q")

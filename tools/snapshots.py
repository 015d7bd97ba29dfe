"""Copies of the template to bake from, and the git commands to make repositories of them.

A snapshot at a git ref keeps a benchmark independent of edits in progress; a snapshot of
the work tree, committed to a repository of its own, is what cruft and cookiecutter clone
in the tests, so that they never touch this repository.
"""

import shutil
import tarfile
from pathlib import Path

from tools.baking import TEMPLATE_DIR, run

# A fixed identity and branch, whatever the machine's git configuration says.
GIT = [
    "git",
    "-c",
    "user.name=Template Tests",
    "-c",
    "user.email=template-tests@example.com",
    "-c",
    "init.defaultBranch=main",
    "-c",
    "commit.gpgsign=false",
]


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` with GIT's settings; return its output (CommandError if it fails)."""
    return run(cwd, *GIT, *args).stdout


def commit_all(repo: Path, message: str) -> str:
    """Commit everything in `repo`, even nothing; return the new commit."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def snapshot(destination: Path, ref: str | None = None) -> Path:
    """Copy the template into `destination` and return it: as committed at git `ref`, or,
    without one, as the work tree is (files tracked or new, not those git ignores)."""
    destination.mkdir(parents=True, exist_ok=True)
    if ref is not None:
        archive = destination.with_suffix(".tar")
        git(TEMPLATE_DIR, "archive", "--format=tar", f"--output={archive}", ref)
        with tarfile.open(archive) as tar:
            tar.extractall(destination, filter="data")
        archive.unlink()
        return destination
    listed = git(TEMPLATE_DIR, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for relative in filter(None, listed.split("\0")):
        source = TEMPLATE_DIR / relative
        if source.is_file():
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination

"""The projects under test: bake a variant (with tools/baking.py, as the template's tests
do), install it into a virtual environment of its own, prepare its database, and time the
test suites.

Commands run with a clean environment (no pytest or coverage variables) and fail with
their output, since a broken set-up is an error; timings themselves never fail.
"""

import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools import baking
from tools.baking import CommandError, clean_environment

DBTOOL = Path(__file__).resolve().parent / "dbtool.py"
# pytest's closing line, e.g. "=== 151 passed in 7.12s ===" (or "151 passed in 7.12s" with -q).
PYTEST_SUMMARY = re.compile(r"^=*\s*(\d+ (passed|failed|error).*?)\s*=*$")


def run(
    command: Sequence[str | Path],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 600,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run `command` in `cwd`; raise CommandError with its output when it fails and `check`.

    Unlike tools.baking.run, Python writes bytecode here: the start-up figure must not
    include compiling the app and its libraries.
    """
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=clean_environment(env or {}),
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    if check and result.returncode != 0:
        shown = " ".join(str(part) for part in command)
        raise CommandError(
            f"{shown} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


def bake(template: Path, output_dir: Path, answers: Mapping[str, str]) -> tuple[Path, float]:
    """Bake `template` with `answers` (the rest default) as a user would, with the CLI.

    Return the project's folder and the wall time of `cookiecutter --no-input`, which
    includes the pre- and post-generation hooks.
    """
    started = time.perf_counter()
    project = baking.bake(output_dir, template=template, **answers)
    return project, time.perf_counter() - started


@dataclass(frozen=True)
class Project:
    """A baked project and the virtual environment it is installed in."""

    database: str
    source: Path
    venv: Path

    @property
    def python(self) -> Path:
        """The interpreter of the project's virtual environment."""
        return self.venv / "bin" / "python"

    def install(self) -> float:
        """Create the venv and `pip install <project>[dev]` into it; return the seconds.

        The app's own modules are compiled too, so that the start-up time does not
        include compiling them (uvicorn imports `app` from the project's folder).
        """
        started = time.perf_counter()
        run([sys.executable, "-m", "venv", self.venv], cwd=self.source)
        run(
            [self.python, "-m", "pip", "install", "--quiet", f"{self.source}[dev]"],
            cwd=self.source,
        )
        run([self.python, "-m", "compileall", "-q", "app"], cwd=self.source)
        return time.perf_counter() - started

    def migrate(self, env: Mapping[str, str]) -> None:
        """`alembic upgrade head` on the database of `env`."""
        run([self.venv / "bin" / "alembic", "upgrade", "head"], cwd=self.source, env=env)

    def create_first_admin(self, env: Mapping[str, str]) -> str:
        """`python -m app.initial_data` with the FIRST_ADMIN_* settings of `env`."""
        result = run([self.python, "-m", "app.initial_data"], cwd=self.source, env=env)
        return result.stdout.strip()

    def dbtool(self, *args: str | int) -> dict[str, Any]:
        """Run one command of bench/dbtool.py with the project's interpreter."""
        result = run([self.python, DBTOOL, *map(str, args)], cwd=self.source)
        answer: dict[str, Any] = json.loads(result.stdout)
        return answer

    def time_own_suite(self, scratch: Path) -> dict[str, Any]:
        """Run the project's own `pytest` on a copy of it; return its wall time and outcome."""
        copy = scratch / f"suite-{self.source.name}"
        shutil.copytree(self.source, copy)
        return time_pytest([self.python, "-m", "pytest", "-p", "no:cacheprovider"], cwd=copy)


def time_pytest(command: Sequence[str | Path], *, cwd: Path) -> dict[str, Any]:
    """Time a pytest run (wall clock, interpreter start included); never raises on failure."""
    started = time.perf_counter()
    result = run(command, cwd=cwd, check=False, timeout_s=1800)
    seconds = time.perf_counter() - started
    summary = next(
        (
            match.group(1)
            for line in reversed(result.stdout.splitlines())
            if (match := PYTEST_SUMMARY.match(line.strip()))
        ),
        f"exit code {result.returncode}",
    )
    return {"seconds": round(seconds, 2), "passed": result.returncode == 0, "summary": summary}


def time_template_suite(template: Path) -> dict[str, Any]:
    """Run the template's whole test suite (`pytest` in `template`, as `make test` does)."""
    return time_pytest([sys.executable, "-m", "pytest"], cwd=template)

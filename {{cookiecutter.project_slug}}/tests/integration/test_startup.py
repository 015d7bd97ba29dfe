"""Starting the app: its heap frozen, unsafe settings refused, what is off not loaded.

The server starts in the test, not when the module is collected: every xdist worker
collects every module, and each start costs most of a second of CPU.
"""

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

from app.main import app

PROJECT = Path(__file__).resolve().parents[2]


async def test_start_up_freezes_the_heap_out_of_the_collectors_way() -> None:
    # Tracked by the collector, not yet frozen.
    survivors: list[list[int]] = [[] for _ in range(1000)]
    before = gc.get_freeze_count()

    async with app.router.lifespan_context(app):
        frozen = gc.get_freeze_count()

    assert frozen >= before + len(survivors)


def test_uvicorn_refuses_to_start_with_unsafe_production_settings() -> None:
    unsafe_start = subprocess.run(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", "0"],
        cwd=PROJECT,
        env=os.environ | {"ENVIRONMENT": "production", "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    stdout, stderr = unsafe_start.stdout, unsafe_start.stderr

    assert unsafe_start.returncode == 1, stdout + stderr
    assert "Traceback" not in stderr
    assert stderr.splitlines() == ["DEBUG must be false in production"]


def test_importing_the_app_loads_no_observability_library_and_freezes_what_it_made() -> None:
    # Off by default: importing the app (and so creating it) must not load them.
    libraries = (
        "opentelemetry.sdk",
        "opentelemetry.instrumentation",
        "prometheus_client",
        "sentry_sdk",
    )
    probe = (
        "import gc, json, sys, app.main; print(json.dumps({"
        f"'loaded': [m for m in {libraries!r} if m in sys.modules], "
        "'collecting': gc.isenabled(), 'frozen': gc.get_freeze_count()}))"
    )
    imported = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PROJECT,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    facts = json.loads(imported.stdout)
    assert facts["loaded"] == [], imported.stderr
    # The collector is back on, and the import's objects are out of its way.
    assert facts["collecting"] is True
    assert facts["frozen"] > 100_000

"""Starting the server with unsafe settings stops it with a message, not a traceback.

The server starts in the test, not when the module is collected: every xdist worker
collects every module, and each start costs most of a second of CPU.
"""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


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

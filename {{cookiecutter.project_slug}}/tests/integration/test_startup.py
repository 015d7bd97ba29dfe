"""Starting the server with unsafe settings stops it with a message, not a traceback.

The server is started when this module is collected, so that its start-up (importing the
app takes most of a second) runs alongside the other tests; the test waits for it.
"""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

_UNSAFE_START = subprocess.Popen(
    [sys.executable, "-m", "uvicorn", "app.main:app", "--port", "0"],
    cwd=PROJECT,
    env=os.environ | {"ENVIRONMENT": "production", "DEBUG": "true"},
    stdout=subprocess.PIPE,
    stderr=subprocess.PIPE,
    text=True,
)


def test_uvicorn_refuses_to_start_with_unsafe_production_settings() -> None:
    stdout, stderr = _UNSAFE_START.communicate(timeout=60)

    assert _UNSAFE_START.returncode == 1, stdout + stderr
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-2:] == [
        "Invalid settings (from the environment and the .env file):",
        "  DEBUG must be false in production",
    ]

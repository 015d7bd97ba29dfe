"""Real HTTP load with wrk: install it when missing, run one scenario, read its figures.

Each scenario is a Lua script in `bench/lua/` whose done() hook prints one line,
`BENCH_RESULT {json}`, with the request count, wrk's error counters and the latency
percentiles (microseconds).
"""

import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

LUA_DIR = Path(__file__).resolve().parent / "lua"
RESULT_MARKER = "BENCH_RESULT "


class LoadError(RuntimeError):
    """wrk is missing and cannot be installed, or a run gave no figures."""


def ensure_wrk() -> str:
    """Return the path of wrk; as root, install the Debian package when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise LoadError(
            "wrk is not installed and this is not root: install the Debian package "
            "first (sudo apt-get install -y wrk), then run the benchmark again"
        )
    print("wrk is missing: apt-get install -y wrk", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        # A fresh machine may have no package lists yet.
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        result = subprocess.run(install, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise LoadError(f"apt-get install -y wrk failed:\n{result.stdout}\n{result.stderr}")
    found = shutil.which("wrk")
    if not found:
        raise LoadError("apt-get installed wrk, but it is not on PATH")
    return found


def wrk_version(wrk: str) -> str:
    """The first line of `wrk --version` (wrk exits 1 after printing it)."""
    result = subprocess.run([wrk, "--version"], capture_output=True, text=True)
    first = (result.stdout or result.stderr).splitlines()[0]
    return first.split(" Copyright")[0].strip()


@dataclass(frozen=True)
class LoadResult:
    """What wrk measured in one run of one scenario."""

    duration_s: float
    requests: int
    sent: int
    non_2xx: int
    timeouts: int
    socket_errors: int
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def errors(self) -> int:
        """Every failed request: error statuses, timeouts and socket errors."""
        return self.non_2xx + self.timeouts + self.socket_errors

    def as_dict(self) -> dict[str, Any]:
        """The figures, for the JSON report."""
        return asdict(self)


def run_wrk(
    wrk: str,
    url: str,
    script: str,
    script_args: dict[str, str],
    *,
    duration_s: float,
    connections: int,
    threads: int,
    timeout_s: float,
) -> LoadResult:
    """Run `script` against `url` for `duration_s` seconds and return its figures."""
    command = [
        wrk,
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={duration_s:g}s",
        f"--timeout={timeout_s:g}s",
        f"--script={LUA_DIR / script}",
        url,
        "--",
        *(f"{key}={value}" for key, value in script_args.items()),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=duration_s + timeout_s + 30
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if result.returncode != 0 or not lines:
        raise LoadError(f"wrk {script} failed:\n{result.stdout}\n{result.stderr}")
    return _parse(json.loads(lines[-1].removeprefix(RESULT_MARKER)))


def _parse(raw: dict[str, Any]) -> LoadResult:
    errors, latency = raw["errors"], raw["latency_us"]
    duration_s = raw["duration_us"] / 1e6
    return LoadResult(
        duration_s=round(duration_s, 3),
        requests=raw["requests"],
        sent=raw["sent"],
        # wrk counts a response as a status error when its status is 400 or above.
        non_2xx=errors["status"],
        timeouts=errors["timeout"],
        socket_errors=errors["connect"] + errors["read"] + errors["write"],
        requests_per_s=round(raw["requests"] / duration_s, 1) if duration_s else 0.0,
        p50_ms=round(latency["p50"] / 1000, 2),
        p90_ms=round(latency["p90"] / 1000, 2),
        p99_ms=round(latency["p99"] / 1000, 2),
        max_ms=round(latency["max"] / 1000, 2),
    )

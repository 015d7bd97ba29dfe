"""The app under load: one uvicorn process on 127.0.0.1, its start-up time and its memory.

uvicorn runs with one worker (in-process, so the pid is the server) unless told otherwise,
no reload and no access log. Memory is read from /proc/<pid>/status (summed over worker
processes): VmRSS sampled while load runs, and VmHWM, the kernel's own peak.
"""

import contextlib
import http.client
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Self

from tools.serving import HOST, ServerError, free_port

KIB_PER_MIB = 1024


class Server:
    """`python -m uvicorn APP` on a free loopback port, started and stopped by the harness."""

    def __init__(
        self,
        python: Path,
        app: str,
        *,
        cwd: Path,
        env: Mapping[str, str],
        log: Path,
        app_dir: Path | None = None,
        workers: int = 1,
    ) -> None:
        """Serve `app` ("module:attribute") with `python`, from `cwd`, logging to `log`."""
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self._command = [
            str(python),
            "-m",
            "uvicorn",
            app,
            f"--host={HOST}",
            f"--port={self.port}",
            f"--workers={workers}",
            "--no-access-log",
            *([f"--app-dir={app_dir}"] if app_dir else []),
        ]
        self._cwd, self._env, self._log = cwd, dict(env), log
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The server's process id."""
        if self._process is None:
            raise ServerError("the server is not running")
        return self._process.pid

    def start(self, timeout_s: float = 30.0) -> float:
        """Start the process; return the seconds from its start to the first 200 on /health."""
        with self._log.open("wb") as log:
            started = time.perf_counter()
            self._process = subprocess.Popen(
                self._command, cwd=self._cwd, env=self._env, stdout=log, stderr=log
            )
        deadline = started + timeout_s
        while time.perf_counter() < deadline:
            if self._process.poll() is not None:
                raise ServerError(
                    f"the server exited with {self._process.returncode}:\n{self.log_tail()}"
                )
            if _health_ok(self.port):
                return time.perf_counter() - started
            time.sleep(0.005)
        self.stop()
        raise ServerError(f"no 200 on /health within {timeout_s:g} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop the server: SIGINT (uvicorn's graceful shutdown), then SIGKILL if it hangs."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output, for error messages."""
        with contextlib.suppress(OSError):
            return "\n".join(self._log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def memory_mib(self) -> dict[str, float]:
        """The server's current (VmRSS) and peak (VmHWM) resident memory, in MiB."""
        return {key: round(kib / KIB_PER_MIB, 1) for key, kib in read_memory(self.pid).items()}

    def __enter__(self) -> Self:
        """Nothing to do: start() is explicit, since its duration is a figure."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Always stop the process."""
        self.stop()


def _health_ok(port: int) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", "/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def read_memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of `pid` and its child processes (workers), summed, in KiB.

    From /proc/<pid>/status; with one worker there are no children. With several, the sum
    of the peaks is an upper bound of the peak of the sum.
    """
    memory = {"VmRSS": 0, "VmHWM": 0}
    for process in (pid, *_children(pid)):
        with open(f"/proc/{process}/status", encoding="ascii") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in memory:
                    memory[key] += int(value.split()[0])
    return memory


def _children(pid: int) -> list[int]:
    children: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as listed:
                children += map(int, listed.read().split())
    return children


class RssSampler:
    """Samples a process's VmRSS in a background thread; `peak_mib` is the largest seen."""

    def __init__(self, pid: int, interval_s: float = 0.02) -> None:
        """Sample `pid` every `interval_s` seconds while the `with` block runs."""
        self._pid, self._interval = pid, interval_s
        self._peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def peak_mib(self) -> float:
        """The largest VmRSS sampled, in MiB."""
        return round(self._peak_kib / KIB_PER_MIB, 1)

    def _sample(self) -> None:
        with contextlib.suppress(OSError, KeyError):
            self._peak_kib = max(self._peak_kib, read_memory(self._pid)["VmRSS"])

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()

    def __enter__(self) -> Self:
        """Start sampling."""
        self._sample()
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop sampling, with a last sample."""
        self._stop.set()
        self._thread.join()
        self._sample()

"""Serving a baked project with uvicorn on 127.0.0.1, for tests that need a real server,
and the small HTTP client that they and the benchmark call it with."""

import contextlib
import json
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tools.baking import BIN, clean_environment

HOST = "127.0.0.1"


class ServerError(RuntimeError):
    """The server did not start, or stopped answering."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, server: subprocess.Popen[bytes], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ServerError(f"uvicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise ServerError(f"{url} did not answer within {seconds} s")


@contextlib.contextmanager
def served(project: Path, log: Path, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Run `uvicorn app.main:app` in `project` on a free port until the block ends.

    Yields the base URL once `/health` answers 200; `env` adds to the environment (the
    project's `.env` still applies to what it does not set). Output goes to `log`.
    """
    port = free_port()
    base = f"http://{HOST}:{port}"
    environment = clean_environment({"PYTHONDONTWRITEBYTECODE": "1", **(env or {})})
    uvicorn = [str(BIN / "python"), "-m", "uvicorn", "app.main:app"]
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*uvicorn, "--host", HOST, "--port", str(port)],
            cwd=project,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(f"{base}/health", server)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def call(
    method: str,
    url: str,
    *,
    json_body: Any = None,
    form: Mapping[str, str] | None = None,
    token: str | None = None,
) -> tuple[int, Any]:
    """One HTTP request with the standard library; return the status and the JSON body."""
    headers = {"Accept": "application/json"}
    data = None
    if json_body is not None:
        data = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    try:
        return status, json.loads(body) if body else None
    except ValueError:
        return status, body.decode(errors="replace")

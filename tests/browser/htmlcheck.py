"""The Nu HTML Checker (vnu.jar from the npm package vnu-jar, run with Java) as a loopback service.

One JVM per pytest process, started the first time a test asks for it (its start-up takes seconds);
every page is then checked with one HTTP request. ``npm ci`` installs vnu-jar from
tests/browser/vnu/package-lock.json the first time (node_modules is not committed); a file lock keeps
parallel pytest workers from installing twice. Java and npm must be on PATH (`make test` installs
them: scripts/sysdeps.sh java and node); without them the tests fail with the command to run.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

VNU_DIR = Path(__file__).resolve().parent / "vnu"
VNU_JAR = VNU_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
VNU_INSTALLED = VNU_DIR / "node_modules" / ".installed"  # written once `npm ci` has finished
START_TIMEOUT = 120  # seconds: the JVM reads its schemas on start, slowly on a busy 2-core machine


def ensure_installed() -> None:
    if shutil.which("java") is None:
        pytest.fail("java not found: the HTML checks need a Java runtime (apt-get install -y default-jre-headless)")
    # Only the marker written after `npm ci` finished says the install is done: another worker
    # may be half-way through unpacking vnu.jar.
    if VNU_INSTALLED.is_file():
        return
    if shutil.which("npm") is None:
        pytest.fail("npm not found: the HTML checks install vnu-jar with npm (apt-get install -y nodejs npm)")
    with open(VNU_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not VNU_INSTALLED.is_file():
            subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=VNU_DIR, check=True, timeout=300
            )
            VNU_INSTALLED.touch()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HtmlChecker:
    """``check(html)`` returns the checker's errors (warnings and info messages are not errors)."""

    def __init__(self):
        ensure_installed()
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/?out=json"
        self.log = open(VNU_DIR / f".vnu-{self.port}.log", "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                "java",
                "-Xss2m",  # the HTML schema's RELAX NG patterns overflow the default thread stack
                "-Xmx512m",
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(VNU_JAR),
                "nu.validator.servlet.Main",
                str(self.port),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                self.check("<!DOCTYPE html><html lang=en><title>up</title></html>")
                return
            except (urllib.error.URLError, ConnectionError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"The Nu HTML Checker did not start; see {self.log.name}")
                time.sleep(0.5)

    def check(self, html: str) -> list[dict]:
        request = urllib.request.Request(
            self.url, data=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            messages = json.load(response)["messages"]
        return [m for m in messages if m.get("type") in {"error", "non-document-error"}]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def describe(errors: list[dict], limit: int = 10) -> str:
    lines = [
        f"  line {e.get('lastLine', '?')}: {e.get('message')}  «{(e.get('extract') or '').strip()}»" for e in errors
    ]
    more = f"\n  … and {len(errors) - limit} more" if len(errors) > limit else ""
    return "\n".join(lines[:limit]) + more

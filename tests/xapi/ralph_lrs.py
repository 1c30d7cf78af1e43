"""A real Ralph LRS (https://github.com/openfun/ralph) on a free loopback port, for tests and bench/xapi.py.

Ralph pins FastAPI, uvicorn, sentry-sdk and click exactly (``ralph-malph[cli,lrs]`` 5.1.0), which
would downgrade packages of the project's own environment, so it lives in a venv of its own:
``tests/xapi/.ralph-venv`` (``make sysdeps-ralph``, or created here on first use under a file
lock, so pytest-xdist workers build it once). ``RALPH_VENV`` points elsewhere.

Credentials come from Ralph's own ``ralph auth`` (bcrypt), written once into the venv's
``auth.json`` and reused: two users, each storing in its own target (a file of the fs backend),
so one server stands for two stores (the site's and an organisation's).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = Path(os.environ.get("RALPH_VENV", HERE / ".ralph-venv"))
REQUIREMENT = "ralph-malph[cli,lrs]==5.1.0"
EXTRA = "requests>=2.31"  # ralph.api.auth.oidc imports requests, which neither extra installs (5.1.0)
HOME_PAGE = "https://lms.example.org"
USERS = {"site": "site-lrs-password", "org": "org-lrs-password"}


def ensure_venv() -> Path:
    """The Ralph venv with its auth file; built once (locked against parallel workers)."""
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(VENV.parent / ".ralph-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        uvicorn = VENV / "bin" / "uvicorn"
        if not uvicorn.exists():
            base_python = shutil.which("python3") or sys.executable
            subprocess.run([base_python, "-m", "venv", "--clear", str(VENV)], check=True)
            pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
            subprocess.run([*pip, REQUIREMENT, EXTRA], check=True)
        auth = VENV / "auth.json"
        if not auth.exists():
            partial = VENV / "auth.json.partial"
            partial.unlink(missing_ok=True)
            for user, password in USERS.items():
                command = [str(VENV / "bin" / "ralph"), "auth", "-u", user, "-p", password, "-s", "all", "-t", user]
                command += ["-A", f"{user}-lrs-client", HOME_PAGE, "-w"]
                subprocess.run(
                    command,
                    check=True,
                    env={**os.environ, "RALPH_AUTH_FILE": str(partial), "RALPH_APP_DIR": str(VENV / "app")}
                    | {"RALPH_RUNSERVER_BACKEND": "fs"},
                    capture_output=True,
                )
            partial.rename(auth)
    return VENV


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Ralph:
    url: str  # the xAPI base, e.g. http://127.0.0.1:PORT/xAPI/
    process: subprocess.Popen
    data_dir: Path

    def credentials(self, user: str) -> dict:
        return {"ENDPOINT": self.url, "USERNAME": user, "PASSWORD": USERS[user]}

    def get(self, user: str = "site", **params) -> list[dict]:
        """Every statement matching ``params``, through Ralph's GET /xAPI/statements (following ``more``)."""
        token = base64.b64encode(f"{user}:{USERS[user]}".encode()).decode()
        headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
        query = urllib.parse.urlencode({"limit": 500, **params})
        url = f"{self.url}statements?{query}"
        found: list[dict] = []
        while url:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
                page = json.load(response)
            found += page["statements"]
            more = page.get("more")
            url = urllib.parse.urljoin(self.url, more) if more else ""
        return found

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(data_dir: Path, *, timeout: float = 90) -> Ralph:
    """Start Ralph's app under uvicorn (the fs backend, appending: ``ralph_app.py``) and wait until it answers."""
    venv = ensure_venv()
    for user in USERS:  # each user's target: a directory of the fs backend
        (data_dir / user).mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "RALPH_APP_DIR": str(data_dir / "app"),
        "RALPH_AUTH_FILE": str(venv / "auth.json"),
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(data_dir),
        "RALPH_SENTRY_DSN": "",
    }
    log = open(data_dir / "ralph.log", "wb")  # noqa: SIM115 (kept open while the server runs)
    command = [str(venv / "bin" / "uvicorn"), "ralph_app:app", "--app-dir", str(HERE), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=data_dir,
    )
    ralph = Ralph(f"http://127.0.0.1:{port}/xAPI/", process, data_dir)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Ralph exited: {(data_dir / 'ralph.log').read_text()[-2000:]}")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/__lbheartbeat__", timeout=2).close()
            for user in USERS:  # the first request of a user pays the bcrypt check; Ralph caches it
                ralph.get(user, limit=1)
            return ralph
        time.sleep(0.2)
    ralph.stop()
    raise RuntimeError(f"Ralph did not start within {timeout} s: {(data_dir / 'ralph.log').read_text()[-2000:]}")

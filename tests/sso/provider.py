"""Start the test OpenID provider (tests/sso/provider/server.mjs, panva/oidc-provider) on loopback.

``npm ci`` installs it from package-lock.json the first time (node_modules is not committed);
a file lock keeps parallel pytest workers from installing twice. Node 20.19+ and npm must be on
PATH (the CI machine has them); without them the tests fail with the command to run.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

PROVIDER_DIR = Path(__file__).resolve().parent / "provider"


INSTALLED = PROVIDER_DIR / "node_modules" / ".installed"  # written once `npm ci` has finished


def ensure_installed() -> None:
    """``npm ci`` once, under a file lock. Another worker may be half-way through unpacking, so
    only the marker written after it finished (never a package folder) says the install is done."""
    if INSTALLED.is_file():
        return
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} not found: the SSO tests need Node.js 20.19+ (apt-get install -y nodejs npm)")
    with open(PROVIDER_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not INSTALLED.is_file():
            subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PROVIDER_DIR, check=True, timeout=300
            )
            INSTALLED.touch()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Client:
    client_id: str
    client_secret: str


@dataclass
class Provider:
    issuer: str
    clients: dict[str, Client]
    process: subprocess.Popen = field(repr=False)

    @property
    def client(self) -> Client:
        return self.clients["microlearn"]


@contextlib.contextmanager
def running_provider(redirect_uris: list[str], *, wrong_jwks: bool = False):
    """A provider with two confidential clients: ``microlearn`` and ``other-app``."""
    ensure_installed()
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    clients = {
        "microlearn": Client("microlearn", "microlearn-test-secret-0001"),
        "other-app": Client("other-app", "other-app-test-secret-0002"),
    }
    config = {
        "port": port,
        "issuer": issuer,
        "wrong_jwks": wrong_jwks,
        "clients": [
            {
                "client_id": c.client_id,
                "client_secret": c.client_secret,
                "redirect_uris": redirect_uris,
                "token_endpoint_auth_method": "client_secret_post",
            }
            for c in clients.values()
        ],
    }
    process = subprocess.Popen(
        ["node", "server.mjs", json.dumps(config)],
        cwd=PROVIDER_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read() if process.poll() is not None else ""
                pytest.fail(f"the test OpenID provider did not start:\n{output}")
            time.sleep(0.1)
        yield Provider(issuer=issuer, clients=clients, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


def sign_in_at_provider(session: requests.Session, authorize_url: str, **identity) -> str:
    """Follow the provider from the authorization URL to the redirect back, signing in as
    ``identity`` (sub, email, given_name, family_name). Returns the callback URL."""
    response = session.get(authorize_url, allow_redirects=False, timeout=10)
    assert response.status_code in (302, 303), response.text
    interaction = urljoin(authorize_url, response.headers["Location"])
    response = session.get(interaction, params=identity, allow_redirects=False, timeout=10)
    assert response.status_code in (302, 303), response.text
    resume = urljoin(interaction, response.headers["Location"])
    response = session.get(resume, allow_redirects=False, timeout=10)
    assert response.status_code in (302, 303), response.text
    return urljoin(resume, response.headers["Location"])


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}

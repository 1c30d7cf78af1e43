"""Real app servers for the deploy tests.

* ``AppServer``: one gunicorn process (``gunicorn -c gunicorn.conf.py config.wsgi``) with the
  production settings, bound to a free loopback port, in its own process group so that stopping
  it also stops its workers;
* ``TcpProxy``: a loopback TCP proxy in front of PostgreSQL that can ``cut()`` every connection
  (and refuse new ones) and ``restore()``, to cause a database outage under a running server;
* ``Browser``: an HTTP client that keeps cookies by name across servers, as a browser does behind
  one load balancer. The servers think they are behind a TLS proxy (``X-Forwarded-Proto: https``),
  so cookies are ``Secure``; the client sends them anyway because the loopback hop is plain HTTP.
"""

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "deploy-tests-secret-" + "x9Q!" * 12  # production settings want >= 50 characters
HTTP_TIMEOUT = 20  # seconds: a hung server fails the test instead of hanging it
START_TIMEOUT = 60
_NOT_INHERITED = {
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "REDIS_URL",
    "MICROLEARN_API_THROTTLE_RATE",
}


def deploy_marks(why_postgres: str) -> list:
    """``pytestmark`` of a deploy test module: transactional (the servers only see committed rows),
    PostgreSQL only (skipped with ``why_postgres`` on SQLite)."""
    return [
        pytest.mark.deploy,
        pytest.mark.postgres,
        pytest.mark.django_db(transaction=True),
        pytest.mark.skipif(connection.vendor != "postgresql", reason=why_postgres),
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: dict, *, host: str | None = None, port: int | None = None) -> str:
    """A DATABASE_URL for the (test) database of ``settings_dict``, optionally through another host/port."""
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}" if password else user
    host = host or settings_dict.get("HOST") or "127.0.0.1"
    port = port or settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


def server_env(db_url: str, **extra: str) -> dict:
    """Production settings from the environment, as a deployment sets them (no REDIS_URL: database cache)."""
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.deploy.server_settings",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=db_url,
        LOG_LEVEL="WARNING",
        LOG_FORMAT="plain",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env: dict, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


def request(port: int, method: str, path: str, *, body: bytes | None = None, headers=None, timeout=HTTP_TIMEOUT):
    """One HTTP request to 127.0.0.1:port, no redirects followed, as if forwarded by a TLS proxy."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"X-Forwarded-Proto": "https", **(headers or {})})
        raw = conn.getresponse()
        return Response(raw.status, raw.headers, raw.read())
    finally:
        conn.close()


class AppServer:
    """``gunicorn -c gunicorn.conf.py config.wsgi``: one worker, bound to a free loopback port."""

    def __init__(self, name: str, env: dict, log_dir: Path):
        self.name = name
        self.env = env
        self.log_path = Path(log_dir) / f"gunicorn-{name}.log"
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> "AppServer":
        self.port = free_port()
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": "1"}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                request(self.port, "GET", "/healthz", timeout=5)  # any answer means the worker serves
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.name} did not answer within {START_TIMEOUT}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)  # gunicorn: quick shutdown of master and workers
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Browser:
    """Cookies by name, whichever server answered: the two servers stand for one site."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def get(self, server: AppServer, path: str) -> Response:
        return self._send(server, "GET", path)

    def post_form(self, server: AppServer, path: str, data: dict) -> Response:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": server.origin}
        return self._send(server, "POST", path, body=urlencode(data).encode(), headers=headers)

    def _send(self, server, method, path, *, body=None, headers=None) -> Response:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = request(server.port, method, path, body=body, headers=headers)
        for header in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response


PASSWORD = "correct horse battery staple 42"


def participant():
    """A saved user whose password the production hasher (PBKDF2) checks; the test settings use MD5."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.utils.crypto import get_random_string

    from tests.factories import UserFactory

    user = UserFactory()
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, get_random_string(22))
    user.save(update_fields=["password"])
    return user


def log_in(server: AppServer, user) -> Browser:
    """A browser signed in as ``user`` through the login form of ``server``."""
    browser = Browser()
    assert browser.get(server, "/accounts/login/").status == 200, server.log_tail()
    form = {"csrfmiddlewaretoken": browser.cookies["csrftoken"], "username": user.username, "password": PASSWORD}
    response = browser.post_form(server, "/accounts/login/", form)
    assert response.status == 302, server.log_tail()
    assert response.headers["Location"] == "/learn/"
    assert "sessionid" in browser.cookies
    return browser


class TcpProxy:
    """Loopback TCP proxy to PostgreSQL. ``cut()`` closes every connection and refuses new ones
    (accepts and closes them at once) until ``restore()``."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._cut = threading.Event()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="tcp-proxy", daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self._cut.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            client.settimeout(None)
            with self._lock:
                self._sockets.update((client, server))
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._close(src)
            self._close(dst)

    def _close(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            sock.close()

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._sockets) // 2

    def cut(self) -> None:
        self._cut.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            self._close(sock)

    def restore(self) -> None:
        self._cut.clear()

    def close(self) -> None:
        self._closed.set()
        self.cut()
        self._thread.join(timeout=5)
        self.listener.close()

"""A URL fetcher for WeasyPrint that reaches only the project's own static and media files.

WeasyPrint's default fetcher opens any URL: ``file://`` anywhere on disk, the network, and it
follows redirects. Certificates are rendered from templates holding participant data, so the
renderer gets this fetcher instead:

- Documents are rendered with ``base_url = ORIGIN`` (``https://certificate-assets.invalid/``;
  ``.invalid`` can never resolve). Only URLs on that origin are served, and only two paths:
  ``/static/<path>`` from Django's staticfiles finders (or ``STATIC_ROOT``), and
  ``/media/<name>`` from the default storage (so S3-compatible storage works too).
- Everything else (``file:``, ``http(s):`` elsewhere, ``data:``, ``ftp:``…) is refused. There is
  no network access at all, hence no redirects to follow.
- Paths are normalised and ``..``/absolute paths are refused before any lookup; the finders and
  storage ``safe_join`` again.
- Responses over ``MAX_BYTES`` are refused, so a huge image cannot exhaust the worker.

Static files never change while a process runs, so their bytes are cached per process.
"""

import posixpath
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from weasyprint.urls import URLFetcher, URLFetcherResponse

ORIGIN = "https://certificate-assets.invalid/"
MAX_BYTES = 8 * 1024 * 1024

_MIME = {
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


class FetchRefused(ValueError):
    """The URL is outside what certificates may load."""


def static_url(path: str) -> str:
    return f"{ORIGIN}static/{path}"


def media_url(name: str) -> str:
    return f"{ORIGIN}media/{name}"


def _clean_relative(path: str) -> str:
    path = unquote(path)
    if "\x00" in path or "\\" in path:
        raise FetchRefused("bad characters in path")
    normalised = posixpath.normpath(path)
    if normalised.startswith(("/", "..")) or normalised in {".", ""} or "/../" in f"/{normalised}/":
        raise FetchRefused("path escapes its root")
    return normalised


@lru_cache(maxsize=64)
def _static_bytes(path: str) -> bytes:
    found = finders.find(path)
    if not found and settings.STATIC_ROOT:
        candidate = (Path(settings.STATIC_ROOT) / path).resolve()
        root = Path(settings.STATIC_ROOT).resolve()
        if candidate.is_file() and candidate.is_relative_to(root):
            found = str(candidate)
    if not found:
        raise FetchRefused(f"no static file {path!r}")
    file = Path(found)
    if file.stat().st_size > MAX_BYTES:
        raise FetchRefused("file too large")
    return file.read_bytes()


def _media_bytes(name: str) -> bytes:
    if default_storage.size(name) > MAX_BYTES:
        raise FetchRefused("file too large")
    with default_storage.open(name, "rb") as handle:
        return handle.read(MAX_BYTES + 1)


def resolve(url: str) -> tuple[bytes, str]:
    """Return (bytes, mime type) for an allowed URL, or raise FetchRefused."""
    if not url.startswith(ORIGIN):
        raise FetchRefused(f"certificates may only load their own assets, not {url[:80]!r}")
    parts = urlsplit(url)
    if parts.username or parts.password or parts.port:
        raise FetchRefused("unexpected URL form")
    area, _, rest = parts.path.lstrip("/").partition("/")
    relative = _clean_relative(rest)
    if area == "static":
        body = _static_bytes(relative)
    elif area == "media":
        body = _media_bytes(relative)
    else:
        raise FetchRefused(f"unknown asset area {area!r}")
    if len(body) > MAX_BYTES:
        raise FetchRefused("file too large")
    return body, _MIME.get(posixpath.splitext(relative)[1].lower(), "application/octet-stream")


class AssetFetcher(URLFetcher):
    """WeasyPrint ``url_fetcher`` serving only :func:`resolve`-able URLs; no network handlers."""

    def __init__(self):
        super().__init__(allowed_protocols=("https",), allow_redirects=False, fail_on_errors=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        try:
            body, mime = resolve(url)
        except FetchRefused:
            self.refused.append(url)
            raise
        return URLFetcherResponse(url, body, headers={"Content-Type": mime})

"""Render one certificate to PDF/A-3b with WeasyPrint.

The public surface is :func:`render_certificate`, returning ``(filename, content_type, bytes)``.
It reads only the certificate's snapshot fields and the site's ``CertificateSettings``, never
the request, so the worker can run it.

Safety:
- Assets come through :class:`~lms.certificates.fetcher.AssetFetcher` only (own static and
  media files; no ``file://``, no network, no redirects).
- The HTML template autoescapes every participant value.
- :func:`time_limit` bounds the render: in the main thread (the ``db_worker`` runs tasks there)
  a ``SIGALRM`` timer interrupts it after ``MICROLEARN_CERTIFICATE_RENDER_TIMEOUT`` seconds. Elsewhere
  (threads) the bound comes from the inputs: every printed field has a max_length, images are
  reduced renditions, and the fetcher refuses anything over 8 MiB.

Speed: the font configuration and the static stylesheet (with its ``@font-face`` rules) are
built once per thread and reused, so a warm render only lays out and writes one page.
"""

import contextlib
import re
import signal
import threading
from decimal import Decimal

import segno
import weasyprint
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.formats import date_format
from weasyprint.text.fonts import FontConfiguration

from ..conf import conf
from .fetcher import ORIGIN, AssetFetcher, media_url, static_url
from .links import verification_url

CONTENT_TYPE = "application/pdf"
PDF_VARIANT = "pdf/a-3b"
STYLESHEET = "microlearn_lms/certificates/certificate.css"
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_ACCENT = "#0b5cad"

# Font sizes (pt) by text length: long names and titles shrink instead of overflowing. The
# box also wraps (overflow-wrap: anywhere), so even an unbroken 300-character string fits.
NAME_SIZES = ((28, 34), (45, 28), (70, 22), (110, 17), (10_000, 13))
TITLE_SIZES = ((40, 22), (70, 18), (120, 15), (10_000, 12))


class RenderTimeout(Exception):
    """Rendering took longer than MICROLEARN_CERTIFICATE_RENDER_TIMEOUT."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Interrupt the block after ``seconds`` when running in the main thread (SIGALRM)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def on_alarm(signum, frame):
        raise RenderTimeout(f"certificate rendering exceeded {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def size_for(text: str, steps) -> int:
    length = len(text)
    for limit, size in steps:
        if length <= limit:
            return size
    return steps[-1][1]


_local = threading.local()


def _engine() -> tuple[FontConfiguration, weasyprint.CSS]:
    """The per-thread font configuration and parsed stylesheet (fonts registered once)."""
    engine = getattr(_local, "engine", None)
    if engine is None:
        font_config = FontConfiguration()
        path = finders.find(STYLESHEET)
        css = weasyprint.CSS(
            filename=path, base_url=static_url(STYLESHEET), url_fetcher=AssetFetcher(), font_config=font_config
        )
        engine = _local.engine = (font_config, css)
    return engine


def qr_svg(url: str) -> str:
    """The QR code as inline vector SVG (quiet zone included), sized by the stylesheet."""
    return segno.make(url, error="m", micro=False).svg_inline(
        border=4, omitsize=True, svgclass="qr", lineclass=None, dark="#000", light="#fff"
    )


FALLBACK_LOGO = "microlearn_lms/img/certificate-mark.svg"


def _rendition_url(image, spec: str) -> str | None:
    if image is None:
        return None
    try:
        return media_url(image.get_rendition(spec).file.name)
    except Exception:  # a missing source file must not stop the certificate
        return None


def design_for_site(site=None):
    from wagtail.models import Site

    from ..models import CertificateSettings

    site = site or Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    if site is None:
        return CertificateSettings()
    return CertificateSettings.for_site(site)


def certificate_context(certificate, design) -> dict:
    url = verification_url(certificate)
    accent = design.accent_colour if COLOUR_RE.match(design.accent_colour or "") else DEFAULT_ACCENT
    hours = certificate.programme_hours
    hours_text = f"{hours.normalize():f}" if isinstance(hours, Decimal) else str(hours)
    return {
        "certificate": certificate,
        "design": design,
        "accent": accent,
        "hours": hours_text,
        "completed": date_format(certificate.completed_on, "j F Y"),
        "issued": date_format(certificate.issued_on, "j F Y"),
        "expires": date_format(certificate.expires_on, "j F Y") if certificate.expires_on else "",
        "verify_url": url,
        "qr": qr_svg(url),
        "name_size": size_for(certificate.holder_name, NAME_SIZES),
        "title_size": size_for(certificate.course_title, TITLE_SIZES),
        # The site's logo, else the shipped mark (CC0, lms/static/microlearn_lms/img/LICENSE.txt).
        "logo_url": _rendition_url(design.logo, "max-600x180") or static_url(FALLBACK_LOGO),
        "signature_url": _rendition_url(design.signature_image, "max-500x150"),
    }


def render_html_to_pdf(html: str, *, title: str = "") -> bytes:
    """Lay out ``html`` with the certificate stylesheet and the hardened fetcher; PDF/A-3b bytes."""
    font_config, css = _engine()
    document = weasyprint.HTML(string=html, base_url=ORIGIN, url_fetcher=AssetFetcher())
    return document.write_pdf(stylesheets=[css], font_config=font_config, pdf_variant=PDF_VARIANT)


def render_certificate(certificate, *, design=None) -> tuple[str, str, bytes]:
    """Render ``certificate`` to a PDF. Returns ``(filename, content_type, bytes)``."""
    design = design or design_for_site()
    html = render_to_string(
        "microlearn_lms/certificates/certificate_pdf.html", certificate_context(certificate, design)
    )
    with time_limit(conf.CERTIFICATE_RENDER_TIMEOUT):
        content = render_html_to_pdf(html)
    return certificate.filename, CONTENT_TYPE, content

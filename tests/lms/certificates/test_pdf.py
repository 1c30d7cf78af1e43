"""The PDF itself: text, QR code, PDF/A metadata, fitting long and non-Latin names, safe rendering."""

import datetime
import io
import re
import socket
import subprocess
import threading
import time

import pytest
import weasyprint
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from lms.certificates import fetcher, pdf
from lms.certificates.links import verification_url
from lms.models import Certificate
from tests.factories import CohortFactory, UserFactory
from tests.factories_certificates import issued_certificate

pytestmark = pytest.mark.django_db


def pdf_bytes(certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_pdf_holds_name_course_serial_hours_cohort_and_url(mini_programme):
    trainer = UserFactory(first_name="Tess", last_name="Rahman")
    cohort = CohortFactory(course=mini_programme, organisation__name="Acme Widgets")
    cohort.trainers.add(trainer)
    certificate = issued_certificate(mini_programme, cohort=cohort, first_name="Ada", last_name="Lovelace")
    data = pdf_bytes(certificate)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape
    text = pdf_text(data)
    for expected in (
        "Ada Lovelace",
        "Test course",
        certificate.serial,
        "Acme Widgets",
        "Tess Rahman",
        "1 programme hour",
    ):
        assert expected in text
    assert squash(verification_url(certificate)) in squash(text)


def test_pdf_is_pdfa_3b_with_title_author_subject(certificate):
    reader = PdfReader(io.BytesIO(pdf_bytes(certificate)))
    meta = reader.metadata
    assert "Ada Lovelace" in meta.title and "Certificate of completion" in meta.title
    assert meta.author == "Micro-connections Academy"
    assert certificate.serial in meta.subject and "Test course" in meta.subject
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfaid:part[=>\"]+3", xmp) and re.search(r"pdfaid:conformance[=>\"]+B", xmp)
    assert "/OutputIntents" in reader.trailer["/Root"]


def test_qr_code_decodes_to_the_verification_url(certificate, tmp_path):
    source = tmp_path / "cert.pdf"
    source.write_bytes(pdf_bytes(certificate))
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(source), str(tmp_path / "page")], check=True)
    image = Image.open(tmp_path / "page.png").convert("L")
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode] == [verification_url(certificate)]


@pytest.mark.parametrize(
    ("first", "last"),
    [("Αλέξανδρος", "Παπαδόπουλος"), ("Анна", "Каренина-Вронская")],
    ids=["greek", "cyrillic"],
)
def test_greek_and_cyrillic_names_render_in_the_shipped_font(mini_programme, first, last):
    certificate = issued_certificate(mini_programme, first_name=first, last_name=last)
    data = pdf_bytes(certificate)
    assert f"{first} {last}" in pdf_text(data)
    fonts = {str(f) for f in PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"].values()}
    assert fonts  # embedded (PDF/A); the shipped DejaVu Sans has the glyphs, so nothing falls back


def _holder_box(document):
    def walk(box):
        if getattr(box, "element_tag", None) == "p" and "holder" in (box.element.get("class") or ""):
            yield box
        for child in getattr(box, "children", []):
            yield from walk(child)

    return next(walk(document.pages[0]._page_box))


def test_a_120_character_name_shrinks_and_stays_inside_the_frame(mini_programme):
    long_name = ("Maximiliana Wilhelmina " * 6)[:120].strip()
    assert len(long_name) >= 119
    certificate = issued_certificate(mini_programme, first_name=long_name[:60], last_name=long_name[60:])
    assert pdf.size_for(certificate.holder_name, pdf.NAME_SIZES) < pdf.size_for("Ada Lovelace", pdf.NAME_SIZES)
    data = pdf_bytes(certificate)
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    assert squash(certificate.holder_name) in squash(pdf_text(data))
    # Lay it out again and check the name's lines are no wider than their box and not clipped.
    html = pdf.render_to_string(
        "microlearn_lms/certificates/certificate_pdf.html", pdf.certificate_context(certificate, pdf.design_for_site())
    )
    font_config, css = pdf._engine()
    document = weasyprint.HTML(string=html, base_url=fetcher.ORIGIN, url_fetcher=fetcher.AssetFetcher()).render(
        stylesheets=[css], font_config=font_config
    )
    holder = _holder_box(document)
    lines = list(holder.children)
    assert 1 < len(lines) <= 3
    assert all(line.width <= holder.width + 0.5 for line in lines)
    assert sum(line.height for line in lines) <= holder.height + 0.5  # nothing cut off by max-height


def test_html_in_a_name_is_printed_as_text_and_fetches_nothing(mini_programme, monkeypatch):
    requested = []
    real_resolve = fetcher.resolve
    monkeypatch.setattr(fetcher, "resolve", lambda url: requested.append(url) or real_resolve(url))
    certificate = issued_certificate(
        mini_programme, first_name='<img src="file:///etc/passwd">', last_name="<b>Eve</b>"
    )
    text = pdf_text(pdf_bytes(certificate))
    assert squash('<img src="file:///etc/passwd"> <b>Eve</b>') in squash(text)
    assert not [url for url in requested if "passwd" in url]


@pytest.fixture
def listener():
    """A local TCP port that records any connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    hits = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            hits.append(conn)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join(1)
    server.close()


def test_renderer_refuses_file_urls_network_and_traversal(listener, monkeypatch):
    port, hits = listener
    refused = []
    real_fetch = fetcher.AssetFetcher.fetch

    def recording_fetch(self, url, headers=None):
        try:
            return real_fetch(self, url, headers)
        except fetcher.FetchRefused:
            refused.append(url)
            raise

    monkeypatch.setattr(fetcher.AssetFetcher, "fetch", recording_fetch)
    hostile = [
        "file:///etc/passwd",
        f"http://127.0.0.1:{port}/probe.png",
        f"https://127.0.0.1:{port}/probe.css",
        f"{fetcher.ORIGIN}static/../../../../etc/passwd",
        f"{fetcher.ORIGIN}static/%2e%2e/%2e%2e/etc/passwd",
        f"{fetcher.ORIGIN}media/../../etc/passwd",
        "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'/>",
    ]
    html = (
        f'<link rel="stylesheet" href="{hostile[2]}"><p>x</p>'
        + "".join(f'<img src="{url}">' for url in hostile if url != hostile[2])
        + '<iframe src="file:///etc/passwd"></iframe><object data="file:///etc/passwd"></object>'
    )
    data = pdf.render_html_to_pdf(html)
    assert data.startswith(b"%PDF")
    assert hits == []  # nothing reached the network
    assert set(hostile) <= set(refused)
    assert b"root:" not in data


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/x.png",
        "https://certificate-assets.invalid.example.com/static/microlearn_lms/fonts/DejaVuSans.ttf",
        "https://user:pw@certificate-assets.invalid/static/microlearn_lms/fonts/DejaVuSans.ttf",
        f"{fetcher.ORIGIN}static/../settings.py",
        f"{fetcher.ORIGIN}static//etc/passwd",
        f"{fetcher.ORIGIN}static/microlearn_lms/fonts/../../../../../../etc/passwd",
        f"{fetcher.ORIGIN}static/%2e%2e%2f%2e%2e%2fetc/passwd",
        f"{fetcher.ORIGIN}other/lms/fonts/DejaVuSans.ttf",
        f"{fetcher.ORIGIN}media/%2Fetc%2Fpasswd",
        f"{fetcher.ORIGIN}static/microlearn_lms/fonts/nothing.ttf",
    ],
)
def test_fetcher_refuses(url):
    with pytest.raises(fetcher.FetchRefused):
        fetcher.resolve(url)


def test_fetcher_serves_own_static_and_media(settings, tmp_path):
    body, mime = fetcher.resolve(fetcher.static_url("microlearn_lms/fonts/DejaVuSans.ttf"))
    assert mime == "font/ttf" and body[:4] == b"\x00\x01\x00\x00"
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "logo.png").write_bytes(b"\x89PNG fake")
    body, mime = fetcher.resolve(fetcher.media_url("images/logo.png"))
    assert body == b"\x89PNG fake" and mime == "image/png"


def test_rendering_has_a_time_limit(monkeypatch, settings):
    settings.MICROLEARN_CERTIFICATE_RENDER_TIMEOUT = 0.2
    monkeypatch.setattr(pdf, "render_html_to_pdf", lambda html, **kw: time.sleep(5))
    day = datetime.date(2026, 1, 1)
    certificate = Certificate(
        serial="X-1",
        verification_code="0" * 16,
        holder_name="A",
        course_title="B",
        programme_hours=1,
        completed_on=day,
        issued_on=day,
    )
    started = time.monotonic()
    with pytest.raises(pdf.RenderTimeout):
        pdf.render_certificate(certificate, design=pdf.design_for_site())
    assert time.monotonic() - started < 2

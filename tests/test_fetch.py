"""Fetching online media: streamed, capped, timed out, redirects re-checked, private addresses refused."""

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import TestCase

from evidence import fetch, pipeline
from evidence.models import EvidenceItem
from evidence.services import evidence_register
from tests import pipeline_media as media
from tests.factories import CaseFactory

PHOTO = media.jpeg_with_gps()


class Handler(BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802 (http.server's naming)
        route = self.routes.get(self.path)
        if route is None:
            self.send_error(404, "Not Found")
            return
        route(self)

    def log_message(self, *args):
        pass


def send(body: bytes, content_type="application/octet-stream", length=True):
    def respond(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        if length:
            handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)
    return respond


def redirect(location: str):
    def respond(handler):
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return respond


def stall(seconds: float):
    def respond(handler):
        time.sleep(seconds)
        send(b"too late")(handler)
    return respond


class Base(str):
    """The server's base URL; `.routes` is its table, which a test may change."""

    routes: dict


@pytest.fixture
def server(settings):
    """An HTTP server on 127.0.0.1 for this test; loopback is allowed, nothing else private."""
    routes = {
        "/photo.jpg": send(PHOTO, "image/jpeg"),
        "/moved": redirect("/photo.jpg"),
        "/to-metadata-service": redirect("http://169.254.169.254/latest/meta-data/"),
        "/to-private": redirect("http://10.1.2.3/x"),
        "/empty": send(b""),
        "/big-announced": send(b"x" * 5000),
        "/big-unannounced": send(b"x" * 5000, length=False),
        "/slow": stall(6),
        "/loop": redirect("/loop"),
    }
    handler = type("RouteHandler", (Handler,), {"routes": routes})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    settings.EVIDENCE_FETCH_ALLOW_PRIVATE = False
    settings.EVIDENCE_FETCH_ALLOW_NETWORKS = ["127.0.0.1/32"]
    settings.EVIDENCE_FETCH_MAX_BYTES = 1_000_000
    # Generous for a loaded CI machine; /slow stalls well past it.
    settings.EVIDENCE_FETCH_TIMEOUT = 2.0
    base = Base(f"http://127.0.0.1:{httpd.server_port}")
    base.routes = routes
    yield base
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator)


@pytest.fixture
def fetch_url(case, investigator):
    def run(url: str, **kwargs) -> EvidenceItem:
        item = evidence_register(actor=investigator, case=case, kind="image", title="Online", source_url=url,
                                 **kwargs)
        with TestCase.captureOnCommitCallbacks(execute=True):
            pipeline.ingest(str(item.pk))
        item.refresh_from_db()
        return item
    return run


def staged_leftovers(settings):
    root = settings.MEDIA_ROOT / "incoming"
    return os.listdir(root) if root.exists() else []


def test_it_fetches_archives_and_seals_online_media_recording_the_http_exchange(server, fetch_url, settings,
                                                                              eager_celery):
    item = fetch_url(f"{server}/moved")
    assert item.state == "sealed"
    assert item.media_type == "image/jpeg" and item.size == len(PHOTO)
    assert item.metadata["gps"]["latitude"] == 50.4501
    transfer = item.custody.get(action="transfer")
    assert transfer.outcome == "success"
    assert transfer.details["status"] == 200
    assert transfer.details["final_url"] == f"{server}/photo.jpg"
    assert transfer.details["headers"]["Content-Type"] == "image/jpeg"
    assert transfer.details["fetched_at"]
    assert [hop["status"] for hop in transfer.details["hops"]] == [302, 200]
    assert [a for a in item.custody.order_by("seq").values_list("action", flat=True)] == [
        "accession", "transfer", "message_digest_calculation", "format_identification", "metadata_extraction",
        "metadata_modification", "indexing", "ingestion",  # the capture position from its GPS
        "derivation"]  # its display copy, made once it was sealed (evidence/previews.py)
    assert item.custody.get(action="derivation").actor.startswith("agent:evidence-previews/")
    assert staged_leftovers(settings) == []


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing", "answered 404"),
        ("/slow", "timed out"),
        ("/to-metadata-service", "169.254.169.254: a link-local address"),
        ("/to-private", "10.1.2.3: a private or reserved address"),
        ("/empty", "0 bytes"),
        ("/big-announced", "limit is 1000 bytes"),
        ("/big-unannounced", "more than the limit of 1000 bytes"),
        ("/loop", "More than 5 redirects"),
    ],
)
def test_a_fetch_that_cannot_succeed_fails_visibly_with_its_reason(server, fetch_url, settings, path, reason):
    settings.EVIDENCE_FETCH_MAX_BYTES = 1000
    item = fetch_url(f"{server}{path}")
    assert item.state == "failed"
    assert reason in item.error
    failure = item.custody.order_by("-seq").first()
    assert (failure.action, failure.outcome) == ("transfer", "failure")
    assert failure.details["url"] == f"{server}{path}"
    assert failure.details["retry"] == "evidence.pipeline.retry"
    assert staged_leftovers(settings) == []
    assert item.sha256 == "" and item.size is None


def test_loopback_is_refused_unless_allowed(server, fetch_url, settings):
    settings.EVIDENCE_FETCH_ALLOW_NETWORKS = []
    item = fetch_url(f"{server}/photo.jpg")
    assert item.state == "failed" and "127.0.0.1: a loopback address" in item.error
    settings.EVIDENCE_FETCH_ALLOW_PRIVATE = True
    assert fetch.fetch(f"{server}/photo.jpg").size == len(PHOTO)


def test_a_failed_fetch_can_be_retried_once_the_media_is_back(server, fetch_url, investigator, eager_celery):
    item = fetch_url(f"{server}/later.jpg")
    assert item.state == "failed"
    server.routes["/later.jpg"] = send(PHOTO, "image/jpeg")  # the site is back
    with TestCase.captureOnCommitCallbacks(execute=True):
        pipeline.retry(actor=investigator, item=item)
    item.refresh_from_db()
    assert item.state == "sealed"
    assert list(item.custody.order_by("seq").values_list("action", "outcome"))[:4] == [
        ("accession", "success"), ("transfer", "failure"), ("ingestion_start", "success"), ("transfer", "success")]
    retry_entry = item.custody.get(action="ingestion_start")
    assert retry_entry.details["after_failed_step"] == "transfer"
    assert retry_entry.details["requested_by"] == investigator.username


def test_a_fetched_file_with_a_wrong_declared_digest_is_quarantined(server, fetch_url):
    item = fetch_url(f"{server}/photo.jpg", declared_sha256="0" * 64)
    assert item.state == "quarantined"
    assert item.custody.get(action="fixity_check").details["declared_sha256"] == "0" * 64


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.8", "172.16.1.1", "192.168.1.1", "169.254.169.254",
                                     "::1", "fe80::1", "fc00::1", "::ffff:10.0.0.1", "0.0.0.0", "100.64.0.1"])
def test_it_refuses_non_public_addresses(settings, address):
    settings.EVIDENCE_FETCH_ALLOW_PRIVATE = False
    settings.EVIDENCE_FETCH_ALLOW_NETWORKS = []
    with pytest.raises(fetch.FetchError):
        fetch.check_address(address)


def test_it_accepts_public_addresses(settings):
    settings.EVIDENCE_FETCH_ALLOW_PRIVATE = False
    fetch.check_address("93.184.216.34")
    fetch.check_address("2606:2800:220:1:248:1893:25c8:1946")


def test_it_refuses_a_host_if_any_of_its_addresses_is_private(settings, monkeypatch):
    """A name that resolves to a public and a private address is refused outright."""
    settings.EVIDENCE_FETCH_ALLOW_PRIVATE = False
    settings.EVIDENCE_FETCH_ALLOW_NETWORKS = []
    answers = [(2, 1, 6, "", ("93.184.216.34", 80)), (2, 1, 6, "", ("10.0.0.1", 80))]
    monkeypatch.setattr(fetch.socket, "getaddrinfo", lambda *a, **k: answers)  # DNS is outside this machine
    with pytest.raises(fetch.FetchError, match="10.0.0.1"):
        fetch.resolve("rebind.example", 80)


# IPv6 forms that carry an IPv4 address are judged by it. These call the guard's decision
# directly: nothing here opens a connection (this machine routes IPv6, and a wrong "allow"
# would send a packet out).
@pytest.mark.parametrize(("address", "reason"), [
    ("64:ff9b::7f00:1", "carries 127.0.0.1, a loopback"),  # NAT64 (RFC 6052)
    ("64:ff9b::a9fe:a9fe", "carries 169.254.169.254, a link-local"),
    ("64:ff9b::a00:1", "carries 10.0.0.1, a private"),
    ("64:ff9b:1::a00:1", "local-use NAT64"),  # RFC 8215
    ("2002:a9fe:a9fe::", "carries 169.254.169.254, a link-local"),  # 6to4
    ("2002:7f00:1::1", "carries 127.0.0.1, a loopback"),
    ("::127.0.0.1", "carries 127.0.0.1, a loopback"),  # IPv4-compatible
    ("::10.0.0.1", "carries 10.0.0.1"),
    ("::ffff:127.0.0.1", "carries 127.0.0.1, a loopback"),  # IPv4-mapped
    ("::ffff:169.254.169.254", "carries 169.254.169.254"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "carries 192.0.2.45"),  # Teredo
    ("fec0::1", "site-local"),
    ("fec0:1:2:3::4", "site-local"),
])
def test_it_judges_an_ipv6_address_by_the_ipv4_address_inside(settings, address, reason):
    settings.EVIDENCE_FETCH_ALLOW_PRIVATE = False
    settings.EVIDENCE_FETCH_ALLOW_NETWORKS = []
    refusal = fetch.address_refusal(address)
    assert refusal is not None and reason in refusal
    with pytest.raises(fetch.FetchError, match=reason.split(",")[0]):
        fetch.check_address(address)


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8", "::8.8.8.8",
                                     "2606:2800:220:1:248:1893:25c8:1946"])
def test_it_allows_ipv6_forms_of_public_ipv4_addresses(settings, address):
    settings.EVIDENCE_FETCH_ALLOW_PRIVATE = False
    settings.EVIDENCE_FETCH_ALLOW_NETWORKS = []
    assert fetch.address_refusal(address) is None


def test_an_allowed_ipv4_network_allows_its_ipv6_forms(settings):
    settings.EVIDENCE_FETCH_ALLOW_PRIVATE = False
    settings.EVIDENCE_FETCH_ALLOW_NETWORKS = ["127.0.0.1/32"]
    assert fetch.address_refusal("::ffff:127.0.0.1") is None
    assert fetch.address_refusal("64:ff9b::7f00:2") is not None


def test_a_name_resolving_to_an_ipv6_form_of_a_private_address_is_refused(settings, monkeypatch):
    settings.EVIDENCE_FETCH_ALLOW_PRIVATE = False
    settings.EVIDENCE_FETCH_ALLOW_NETWORKS = []
    answers = [(10, 1, 6, "", ("64:ff9b::a9fe:a9fe", 80, 0, 0))]
    monkeypatch.setattr(fetch.socket, "getaddrinfo", lambda *a, **k: answers)  # DNS is outside this machine
    with pytest.raises(fetch.FetchError, match="169.254.169.254"):
        fetch.resolve("metadata.example", 80)


CREDENTIALED = ["https://user:secret@example.org/video.mp4", "https://user@example.org/x",
                "http://:secret@example.org/", "https://a%40b:p%3Ass@example.org/"]


@pytest.mark.parametrize("url", CREDENTIALED)
def test_a_source_url_with_credentials_is_refused_at_filing_and_nothing_is_stored(case, investigator, url):
    from django.core.exceptions import ValidationError

    from evidence.models import CustodyEvent

    with pytest.raises(ValidationError) as refused:
        evidence_register(actor=investigator, case=case, kind="video", title="Online", source_url=url)
    assert "user name or password" in refused.value.message_dict["source_url"][0]
    assert not EvidenceItem.objects.exists() and not CustodyEvent.objects.exists()


def test_the_api_refuses_a_source_url_with_credentials(case, investigator):
    from evidence.models import CustodyEvent
    from tests.api.helpers import client_for

    response = client_for(investigator).post("/api/v1/evidence/", {
        "case": case.reference, "kind": "video", "title": "Online", "source_url": CREDENTIALED[0]}, format="json")
    assert response.status_code == 400
    assert "source_url" in response.json()["errors"]
    assert "secret" not in response.content.decode()
    assert not EvidenceItem.objects.exists() and not CustodyEvent.objects.exists()


def test_the_admin_filing_form_refuses_a_source_url_with_credentials(db):
    from evidence.forms import EvidenceFilingForm

    form = EvidenceFilingForm(data={"kind": "video", "title": "Online", "source_url": CREDENTIALED[0]})
    assert not form.is_valid()
    assert "user name or password" in form.errors["source_url"][0]


def test_a_redirect_to_an_address_with_credentials_is_refused_and_not_recorded(server, fetch_url):
    server.routes["/to-credentials"] = redirect(f"http://user:secret@{server.removeprefix('http://')}/photo.jpg")
    item = fetch_url(f"{server}/to-credentials")
    assert item.state == "failed" and "carries credentials" in item.error
    assert "secret" not in str(list(item.custody.values_list("details", flat=True)))
    assert "secret" not in item.error

"""Fetching online media for URL-only items: streamed, capped, and only from public addresses.

Each hop's host name is resolved once; every address it resolves to is
checked, and the connection goes to that checked address (urllib3 with the
original name sent as Host, and as SNI and certificate name over TLS), so a
DNS answer that changes between the check and the connect (rebinding) cannot
steer the fetch to an internal address. Redirects are followed by hand, each
hop re-checked the same way.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import socket
import tempfile
import time
from datetime import UTC, datetime
from typing import Any, Callable
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings

USER_AGENT = "evidence-catalogue-archiver/1.0"
REDIRECTS = {301, 302, 303, 307, 308}
_KEPT_HEADERS = (
    "content-type", "content-length", "last-modified", "etag", "date", "server", "content-disposition",
    "cache-control", "age", "x-cache",
)


class FetchError(Exception):
    """A fetch that cannot succeed as asked (refused address, 404, too big): not retried."""

    def __init__(self, message: str, *, hops: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.hops = hops or []


@dataclasses.dataclass
class Fetched:
    path: str  # a temporary file holding the body; the caller removes it
    size: int
    status: int
    final_url: str
    headers: dict[str, str]
    hops: list[dict[str, Any]]
    started_at: datetime
    finished_at: datetime

    def record(self) -> dict[str, Any]:
        return {
            "status": self.status, "final_url": self.final_url, "headers": self.headers, "hops": self.hops,
            "bytes": self.size, "fetched_at": self.started_at.isoformat(),
            "seconds": round((self.finished_at - self.started_at).total_seconds(), 3),
        }


def _allowed_networks() -> list[ipaddress._BaseNetwork]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.EVIDENCE_FETCH_ALLOW_NETWORKS]


def check_address(address: str) -> None:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if settings.EVIDENCE_FETCH_ALLOW_PRIVATE or any(ip in net for net in _allowed_networks()):
        return
    if not ip.is_global or ip.is_multicast:
        kind = "loopback" if ip.is_loopback else "link-local" if ip.is_link_local else "private or reserved"
        raise FetchError(f"Refused to fetch from {ip}: a {kind} address.")


def resolve(host: str, port: int) -> str:
    """One checked address for `host` (every address it resolves to must pass)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"Cannot resolve {host}: {exc}") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        check_address(address)
    return addresses[0]


def fetch(url: str, *, progress: Callable[[int], Any] | None = None) -> Fetched:
    """Stream `url` to a temporary file, following redirects, within the size cap and timeouts.
    `progress` is called with the byte count after each chunk (the pipeline's heartbeat)."""
    limit = settings.EVIDENCE_FETCH_MAX_BYTES
    timeout = settings.EVIDENCE_FETCH_TIMEOUT
    started = datetime.now(UTC)
    hops: list[dict[str, Any]] = []
    current = url
    for _ in range(settings.EVIDENCE_FETCH_MAX_REDIRECTS + 1):
        parts = urlsplit(current)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"Only http and https URLs can be fetched, not {current!r}.", hops=hops)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            address = resolve(parts.hostname, port)
        except FetchError as exc:
            exc.hops = hops
            raise
        response, pool = _open(parts, address, port, timeout)
        hop = {"url": current, "address": address, "status": response.status}
        hops.append(hop)
        if response.status in REDIRECTS and response.headers.get("location"):
            current = urljoin(current, response.headers["location"])
            hop["location"] = current
            response.release_conn()
            pool.close()
            continue
        try:
            return _body(response, current, hops, started, limit, timeout, progress)
        finally:
            response.release_conn()
            pool.close()
    raise FetchError(f"More than {settings.EVIDENCE_FETCH_MAX_REDIRECTS} redirects from {url}.", hops=hops)


def _open(parts, address: str, port: int, timeout: float):
    host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    common = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False, "maxsize": 1}
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address, port, server_hostname=parts.hostname, assert_hostname=parts.hostname, **common
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **common)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        response = pool.urlopen(
            "GET", path, headers={"Host": host_header, "User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
            redirect=False, preload_content=False, assert_same_host=False,
        )
    except urllib3.exceptions.HTTPError as exc:
        pool.close()
        raise FetchError(f"Could not fetch {parts.geturl()}: {_reason(exc)}") from None
    return response, pool


def _reason(exc: Exception) -> str:
    inner = getattr(exc, "reason", None)
    if isinstance(exc, (urllib3.exceptions.TimeoutError, urllib3.exceptions.ReadTimeoutError)) or isinstance(
        inner, urllib3.exceptions.TimeoutError
    ):
        return f"timed out after {settings.EVIDENCE_FETCH_TIMEOUT} s"
    return str(inner or exc)


def _body(response, url: str, hops: list, started: datetime, limit: int, timeout: float, progress) -> Fetched:
    if response.status != 200:
        raise FetchError(f"The server answered {response.status} {response.reason or ''}".strip() + f" for {url}.",
                         hops=hops)
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise FetchError(f"The server announces {declared} bytes; the limit is {limit} bytes.", hops=hops)
    handle, path = tempfile.mkstemp(prefix="evidence-fetch-")
    size = 0
    # A server that keeps a connection alive by dripping bytes is cut off too.
    deadline = time.monotonic() + max(timeout * 20, 60.0)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in response.stream(1 << 16, decode_content=False):
                size += len(chunk)
                if size > limit:
                    raise FetchError(f"The server sent more than the limit of {limit} bytes.", hops=hops)
                if time.monotonic() > deadline:
                    raise FetchError(f"The download from {url} took too long.", hops=hops)
                out.write(chunk)
                if progress is not None:
                    progress(size)
        if size == 0:
            raise FetchError(f"The server sent 0 bytes for {url}: there is nothing to preserve.", hops=hops)
    except urllib3.exceptions.HTTPError as exc:
        os.unlink(path)
        raise FetchError(f"The download from {url} broke off: {_reason(exc)}", hops=hops) from None
    except BaseException:
        os.unlink(path)
        raise
    headers = {k: v for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS}
    return Fetched(path=path, size=size, status=response.status, final_url=url, headers=headers, hops=hops,
                   started_at=started, finished_at=datetime.now(UTC))

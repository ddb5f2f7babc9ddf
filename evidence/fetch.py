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


# IPv6 prefixes whose addresses carry an IPv4 address in their last 32 bits: a
# packet to one reaches that IPv4 address through a translator (NAT64, RFC 6052
# and RFC 8215) or is the deprecated IPv4-compatible form (::a.b.c.d, RFC 4291).
_IPV4_IN_LOW_BITS = [ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96")]
# RFC 8215's local-use NAT64 prefix: it may put the IPv4 address anywhere (and is
# never a public destination), so it is refused whole.
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, if it is one of the forms that carry one:
    IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d),
    6to4 (2002:AABB:CCDD::) or Teredo (2001::/32, the client's address)."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if any(ip in net for net in _IPV4_IN_LOW_BITS) and int(ip) > 1:  # ::, ::1 are themselves
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_refusal(address: str) -> str | None:
    """Why a fetch from `address` is refused, or None if it is allowed. Pure: decides, connects to nothing."""
    ip = ipaddress.ip_address(address)
    allowed = _allowed_networks()
    if settings.EVIDENCE_FETCH_ALLOW_PRIVATE or any(ip in net for net in allowed):
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _LOCAL_NAT64:
            return f"Refused to fetch from {ip}: a local-use NAT64 address (64:ff9b:1::/48)."
        if ip.is_site_local:
            return f"Refused to fetch from {ip}: a site-local address (fec0::/10)."
        inner = embedded_ipv4(ip)
        if inner is not None:
            # Judged by where the packet ends up, the IPv4 address inside; and, unless it is
            # only an IPv4 address written as IPv6 (mapped), by the prefix too (Teredo is not global).
            if any(inner in net for net in allowed):
                return None
            why = _non_public(inner)
            if why:
                return f"Refused to fetch from {ip}: it carries {inner}, {why}."
            if ip.ipv4_mapped:
                return None
    why = _non_public(ip)
    return f"Refused to fetch from {ip}: {why}." if why else None


def _non_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if ip.is_global and not ip.is_multicast:
        return None
    kind = "loopback" if ip.is_loopback else "link-local" if ip.is_link_local else "private or reserved"
    return f"a {kind} address"


def check_address(address: str) -> None:
    refusal = address_refusal(address)
    if refusal:
        raise FetchError(refusal)


def url_has_credentials(url: str) -> bool:
    """True if `url` carries a user name or password (https://user:pass@host/...)."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return False
    return "@" in netloc


def without_credentials(url: str) -> str:
    """`url` with any user name and password taken out, for the record."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]).geturl()


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
        if url_has_credentials(current):
            # Filing refuses them; a redirect could still bring some, and hops are recorded for ever.
            raise FetchError(f"Refused to follow {without_credentials(current)}: the address carries credentials.",
                             hops=hops)
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
            hop["location"] = without_credentials(current)
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

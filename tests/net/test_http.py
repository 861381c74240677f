"""The HTTP client's own logic - following redirects, refusing some, capping
bodies - through its seams: an ``httpx.MockTransport`` instead of the
network and a resolver that answers from a dict.

A real peer adds nothing here: these rules decide on status codes, headers
and byte counts, which a handler states exactly (and a real server would only
make slower). What needs a real peer - TLS, timeouts, drips, DNS failures -
is tested against the lab (tests/discovery/, tests/test_lab.py).
"""

from __future__ import annotations

import asyncio
import gzip

import httpx
import pytest

from setupwizard.errors import HTTPError, RedirectRefused
from setupwizard.net import Deadline, NetOptions, Network
from setupwizard.net.http import HTTP

PUBLIC = "93.184.216.34"  # never connected to: the transport answers


class Resolver:
    """The resolver seam: names -> addresses from a dict, every other name public."""

    def __init__(self, names: dict[str, list[str]] | None = None) -> None:
        self.names = names or {}
        self.asked: list[str] = []

    async def resolve_host(self, host: str, *, timeout: float) -> list[str]:
        self.asked.append(host)
        return self.names.get(host, [PUBLIC])


def fetch(handler, url: str, resolver: Resolver | None = None, **kwargs):
    """One request through HTTP with a MockTransport; the HTTPResponse."""
    async def go():
        web = HTTP(resolver or Resolver(), tls_context=lambda: None,
                   transport=httpx.MockTransport(handler))
        try:
            return await web.request("GET", url, timeout=1.0, **kwargs)
        finally:
            await web.aclose()
    return asyncio.run(go())


class Chunks(httpx.AsyncByteStream):
    """A body that arrives in pieces, as from a real server: the client's
    streaming path (a bytes ``content`` is handed over already read)."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = chunks

    async def __aiter__(self):
        for chunk in self.chunks:
            yield chunk


def host_and_path(request: httpx.Request) -> str:
    return request.headers["host"] + request.url.path


def test_redirects_are_followed_and_reported_with_the_host_header_kept():
    seen = []

    def handler(request):
        seen.append(host_and_path(request))
        if request.url.path == "/a":
            return httpx.Response(301, headers={"Location": "https://b.test/b"})
        if request.url.path == "/b":
            return httpx.Response(302, headers={"Location": "/c"})
        return httpx.Response(200, text="done")
    response = fetch(handler, "https://a.test/a")
    assert response.status == 200 and response.body == b"done"
    assert response.url == "https://b.test/c"
    assert response.redirects == ("https://a.test/a", "https://b.test/b")
    # the connection goes to the resolved address; the name travels in Host
    assert seen == ["a.test/a", "b.test/b", "b.test/c"]


def test_a_redirect_loop_is_an_error_not_a_hang():
    def handler(request):
        other = "/y" if request.url.path == "/x" else "/x"
        return httpx.Response(302, headers={"Location": other})
    with pytest.raises(HTTPError, match="loop"):
        fetch(handler, "https://loop.test/x")


def test_too_many_redirects_stop_at_the_limit():
    count = []

    def handler(request):
        count.append(1)
        return httpx.Response(302, headers={"Location": f"/{len(count)}"})
    with pytest.raises(HTTPError, match="too many redirects"):
        fetch(handler, "https://far.test/0", max_redirects=3)
    assert len(count) == 4  # the first request and three redirects, nothing more


def test_a_redirect_to_plain_http_is_refused_before_it_is_sent():
    seen = []

    def handler(request):
        seen.append(request.url.scheme)
        return httpx.Response(301, headers={"Location": "http://down.test/"})
    with pytest.raises(RedirectRefused, match="unencrypted"):
        fetch(handler, "https://up.test/")
    assert seen == ["https"]


def test_a_redirect_to_an_internal_address_is_refused():
    resolver = Resolver({"intranet.test": ["10.1.2.3"]})
    seen = []

    def handler(request):
        seen.append(request.headers["host"])
        return httpx.Response(302, headers={"Location": "https://intranet.test/admin"})
    with pytest.raises(RedirectRefused, match="internal address"):
        fetch(handler, "https://outside.test/", resolver)
    assert seen == ["outside.test"]


def test_a_declared_length_over_the_cap_is_refused_unread():
    def handler(request):
        return httpx.Response(200, headers={"Content-Length": "5000"}, content=b"x" * 5000)
    with pytest.raises(HTTPError, match="too large"):
        fetch(handler, "https://big.test/", max_bytes=1000)


def test_a_streamed_body_over_the_cap_is_cut():
    def handler(request):
        return httpx.Response(200, stream=Chunks(*[b"x" * 400] * 10))
    with pytest.raises(HTTPError, match="larger than 1000 bytes"):
        fetch(handler, "https://stream.test/", max_bytes=1000)


def test_a_gzip_bomb_is_capped_after_inflating():
    bomb = gzip.compress(b"\0" * 10_000_000)
    assert len(bomb) < 20_000

    def handler(request):
        return httpx.Response(200, headers={"Content-Encoding": "gzip"},
                              stream=Chunks(bomb[:5000], bomb[5000:]))
    with pytest.raises(HTTPError, match="larger than"):
        fetch(handler, "https://bomb.test/", max_bytes=100_000)


def test_a_body_at_the_cap_is_read_whole_streamed_or_not():
    def streamed(request):
        return httpx.Response(200, stream=Chunks(b"y" * 600, b"y" * 400))

    def read(request):
        return httpx.Response(200, content=b"y" * 1000)
    for handler in (streamed, read):
        assert fetch(handler, "https://exact.test/", max_bytes=1000).body == b"y" * 1000
        with pytest.raises(HTTPError, match="too large|larger than 999 bytes"):
            fetch(handler, "https://exact.test/", max_bytes=999)


def test_the_autoconfig_source_through_a_network_with_a_mock_transport(monkeypatch):
    """The seam the Network itself offers (``http_transport``), with a source
    on top: the source asks the right URL with the address, and parses
    what it gets."""
    from setupwizard.discovery.autoconfig import AutoconfigSource
    from setupwizard.discovery.base import Context, DiscoveryOptions
    from setupwizard.models import EmailAddress
    from tests.test_clientconfig import GMX_LIKE

    asked = []

    def handler(request):
        asked.append((request.headers["host"], request.url.path,
                      request.url.params.get("emailaddress")))
        if request.headers["host"] == "autoconfig.mock.test":
            return httpx.Response(200, headers={"Content-Type": "text/xml"},
                                  content=GMX_LIKE)
        return httpx.Response(404)

    with Network(NetOptions(timeout=1.0), http_transport=httpx.MockTransport(handler)) as net:
        monkeypatch.setattr(net.web, "_dns", Resolver())
        ctx = Context(address=EmailAddress.parse("alice@mock.test"), network=net,
                      options=DiscoveryOptions(), deadline=Deadline(3.0), providers=None)
        outcome = net.run(AutoconfigSource().run(ctx))
    assert outcome.status == "found", outcome.detail
    assert outcome.config.incoming[0].host
    assert ("autoconfig.mock.test", "/mail/config-v1.1.xml", "alice@mock.test") in asked

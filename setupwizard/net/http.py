"""HTTP on the event loop, with httpx's AsyncClient (README, "Dependencies").

Names are resolved through our own resolver (``net.dns``): the request goes
to the address while the ``Host`` header and the TLS server name (httpcore's
``sni_hostname`` extension) stay the host name, so the certificate is
always checked against the name, never the address. Redirects are followed
here, one by one, under a policy (https only by default, never into
internal networks, see ``net.policy``); bodies are read raw with a size
cap, and gzip is inflated by us with the same cap, so a compressed bomb
cannot grow in memory. httpx, httpcore and ssl errors become the tree in
``errors.py`` at this seam.
"""

from __future__ import annotations

import ipaddress
import ssl
import zlib
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urljoin, urlsplit

from ..errors import (ConnectError, DNSError, HTTPError, NetTimeout, NetworkError,
                      RedirectRefused, TLSError)
from ..i18n import msg
from .dns import DNS

MAX_HTTP_BODY = 1_000_000  # bytes; config documents are a few kB
MAX_REDIRECTS = 5
USER_AGENT = "setupwizard/0.1 (+mail account setup helper)"


@dataclass(frozen=True)
class HTTPResponse:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    #: URLs visited before this one, in order
    redirects: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


#: A redirect policy gets (from_url, to_url) and returns None to follow, or a
#: short reason to refuse.
RedirectPolicy = Callable[[str, str], "object | None"]


def https_only(from_url: str, to_url: str):
    """Redirect policy: follow only to https URLs."""
    if urlsplit(to_url).scheme != "https":
        return msg("redirect to an unencrypted http URL refused")
    return None


class HTTP:
    """One httpx AsyncClient for the whole run, built on first use."""

    def __init__(self, dns: DNS, tls_context: Callable[[], ssl.SSLContext], *,
                 transport=None, redirect_allowed: tuple[str, ...] = ()) -> None:
        self._dns = dns
        #: what the user named: a redirect may lead to these addresses (net.policy)
        self._redirect_allowed = redirect_allowed
        self._tls_context = tls_context
        #: an httpx transport to use instead of the network (tests: MockTransport)
        self._transport = transport
        self._client = None

    def _get_client(self):
        if self._client is None:
            import httpx
            limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
            if self._transport is not None:
                self._client = httpx.AsyncClient(transport=self._transport, trust_env=False,
                                                 follow_redirects=False)
            else:
                self._client = httpx.AsyncClient(verify=self._tls_context(), trust_env=False,
                                                 follow_redirects=False, limits=limits,
                                                 http2=False)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            try:
                await client.aclose()
            except Exception:  # closing is best effort: the run is over
                pass

    async def request(self, method: str, url: str, *, timeout: float,
                      data: bytes | None = None, headers: dict[str, str] | None = None,
                      max_bytes: int = MAX_HTTP_BODY,
                      redirect_policy: RedirectPolicy | None = https_only,
                      max_redirects: int = MAX_REDIRECTS,
                      method_after_redirect: str | None = None) -> HTTPResponse:
        """Send one HTTP request, following redirects the policy allows.

        ``timeout`` bounds each step (resolving, connecting, each read); the
        caller bounds the whole with its deadline (``runtime``). Returns the
        final HTTPResponse whatever its status. Raises HTTPError (redirect
        loop, refused redirect, body over ``max_bytes``), TLSError,
        ConnectError, NetTimeout or DNSError.
        """
        visited: list[str] = []
        current, current_method, current_data = url, method, data
        while True:
            response = await self._once(current_method, current, current_data, headers,
                                        timeout, max_bytes)
            if response.status in (301, 302, 303, 307, 308) and redirect_policy is not None:
                location = response.headers.get("location")
                if not location:
                    return _with_history(response, visited)
                target = urljoin(current, location)
                visited.append(current)
                if target in visited or len(visited) > max_redirects:
                    raise HTTPError(msg("too many redirects or a redirect loop at {url}",
                                        url=target), status=response.status,
                                    host=urlsplit(url).hostname)
                refusal = redirect_policy(current, target) or \
                    await self.redirect_refusal(target, timeout=timeout)
                if refusal:
                    raise RedirectRefused(msg("{reason}: {url}", reason=refusal, url=target),
                                          status=response.status,
                                          host=urlsplit(current).hostname)
                if response.status == 303 or (response.status in (301, 302)
                                              and current_method == "POST"
                                              and method_after_redirect == "GET"):
                    current_method, current_data = "GET", None
                current = target
                continue
            return _with_history(response, visited)

    async def redirect_refusal(self, url: str, *, timeout: float):
        """Why a redirect (an HTTP Location, an Autodiscover redirectUrl...)
        must not go to ``url``, or None when it may (net.policy). The answer
        is cached, so the connection that follows uses the addresses checked
        here. A name that does not resolve is left to the request to report;
        a timed-out lookup raises DNSError."""
        from .policy import internal_redirect_refusal, is_network
        try:
            host = urlsplit(url).hostname
        except ValueError:
            host = None
        if not host:
            return None
        try:
            addresses = await self._dns.resolve_host(host, timeout=timeout)
        except DNSError as exc:
            if exc.kind == "timeout":
                raise
            return None
        allowed: list[str] = []
        for entry in self._redirect_allowed:
            if is_network(entry):
                allowed.append(entry)
            else:  # a name the user gave: allow what it resolves to
                try:
                    allowed.extend(await self._dns.resolve_host(entry, timeout=timeout))
                except DNSError:
                    pass
        bad = internal_redirect_refusal(addresses, allowed)
        if bad is None:
            return None
        return msg("redirect to an internal address ({address}) refused", address=bad)

    async def _once(self, method: str, url: str, data: bytes | None,
                    headers: dict[str, str] | None, timeout: float,
                    max_bytes: int) -> HTTPResponse:
        parts = urlsplit(url)
        try:
            host, port = parts.hostname or "", parts.port
        except ValueError:
            raise HTTPError(msg("not an http(s) URL: {url}", url=url)) from None
        if parts.scheme not in ("http", "https") or not host:
            raise HTTPError(msg("not an http(s) URL: {url}", url=url))
        port = port or (443 if parts.scheme == "https" else 80)
        # Resolve first: a name that does not exist - the usual case for
        # most discovery URLs - then costs no HTTP machinery at all.
        addresses = await self._dns.resolve_host(host, timeout=timeout)
        all_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, identity",
                       "Host": parts.netloc.rpartition("@")[2]}
        all_headers.update(headers or {})
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        last: NetworkError | None = None
        for ip in addresses:
            literal = f"[{ip}]" if ":" in ip else ip
            target = f"{parts.scheme}://{literal}:{port}{path}"
            try:
                return await self._exchange(method, target, url, host, data, all_headers,
                                            timeout, max_bytes)
            except ConnectError as exc:
                last = exc  # try the next address
        raise last or ConnectError(msg("no address for {host}", host=host), host=host)

    async def _exchange(self, method: str, target: str, url: str, host: str,
                        data: bytes | None, headers: dict[str, str], timeout: float,
                        max_bytes: int) -> HTTPResponse:
        import httpx
        client = self._get_client()
        extensions = {"sni_hostname": host} if target.startswith("https:") and \
            not _is_ip(host) else {}
        try:
            request = client.build_request(method, target, content=data, headers=headers,
                                           timeout=httpx.Timeout(timeout),
                                           extensions=extensions)
            response = await client.send(request, stream=True)
            try:
                declared = response.headers.get("content-length", "")
                if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
                    raise HTTPError(msg("answer from {host} is too large ({size} bytes)",
                                        host=host, size=declared),
                                    status=response.status_code, host=host)
                body = await _read_body(response, max_bytes, host)
            finally:
                await response.aclose()
        except NetworkError:
            raise
        except httpx.ConnectTimeout:
            raise NetTimeout(msg("connecting to {host} timed out", host=host),
                             host=host) from None
        except httpx.TimeoutException:
            raise NetTimeout(msg("{host} did not answer in time", host=host),
                             host=host) from None
        except httpx.ConnectError as exc:
            cause = _root_cause(exc)
            if isinstance(cause, ssl.SSLError):
                raise TLSError(_tls_reason(cause, host), host=host) from None
            raise ConnectError(msg("cannot connect to {host}: {reason}", host=host,
                                   reason=_short(cause)), host=host) from None
        except (httpx.HTTPError, httpx.InvalidURL, ssl.SSLError, OSError, ValueError,
                UnicodeError) as exc:
            cause = _root_cause(exc)
            if isinstance(cause, ssl.SSLError):
                raise TLSError(_tls_reason(cause, host), host=host) from None
            raise HTTPError(msg("HTTP request to {host} failed: {reason}", host=host,
                                reason=_short(cause)), host=host) from None
        return HTTPResponse(url=url, status=response.status_code,
                            headers={k.lower(): v for k, v in response.headers.items()},
                            body=body)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _with_history(response: HTTPResponse, visited: list[str]) -> HTTPResponse:
    if not visited:
        return response
    return HTTPResponse(url=response.url, status=response.status, headers=response.headers,
                        body=response.body, redirects=tuple(visited))


async def _read_body(response, max_bytes: int, host: str) -> bytes:
    """The raw body with a size cap; gzip/deflate inflated with the same cap."""
    if response.is_stream_consumed:
        # a transport that hands over a response already read (httpx.MockTransport
        # with bytes content): nothing left to stream, the cap still holds
        if len(response.content) > max_bytes:
            raise HTTPError(msg("answer from {host} is larger than {limit} bytes", host=host,
                                limit=max_bytes), host=host)
        return response.content
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
        raise HTTPError(msg("{host} sent an unsupported content encoding {encoding}",
                            host=host, encoding=repr(encoding)), host=host)
    inflater = None
    if encoding in ("gzip", "x-gzip"):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        inflater = zlib.decompressobj()
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        if inflater is not None:
            try:
                chunk = inflater.decompress(chunk, max_bytes + 1 - size)
            except zlib.error:
                raise HTTPError(msg("{host} sent a broken compressed answer", host=host),
                                host=host) from None
        size += len(chunk)
        if size > max_bytes:
            raise HTTPError(msg("answer from {host} is larger than {limit} bytes", host=host,
                                limit=max_bytes), host=host)
        chunks.append(chunk)
    return b"".join(chunks)


def _root_cause(exc: BaseException) -> BaseException:
    seen = set()
    while exc.__cause__ is not None or exc.__context__ is not None:
        if id(exc) in seen:
            break
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return exc


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 200 else text[:197] + "..."


def _tls_reason(exc: BaseException, host: str):
    text = str(exc)
    if isinstance(exc, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in text:
        detail = getattr(exc, "verify_message", None) or \
            text.split("certificate verify failed:", 1)[-1].split("(")[0].strip(" )'\"")
        if "hostname" in (detail or "").lower() or "ip address mismatch" in text.lower():
            return msg("the certificate is not for {host}", host=host)
        return msg("the certificate of {host} is not valid: {reason}", host=host,
                   reason=detail or "verification failed")
    return msg("TLS with {host} failed: {reason}", host=host, reason=_short(exc))

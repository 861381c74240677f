"""The one place that builds resolvers, HTTP sessions and TLS contexts.

A :class:`Network` is built once from :class:`NetOptions` and handed to every
part of the library that talks to other machines. It translates dnspython,
requests, urllib3, ssl and socket errors into the tree in ``errors.py``, so
nothing outside this module sees a third-party exception.

Two rules run through it:

* every name the tool resolves goes through one resolver, so ``--dns-server``
  also decides where HTTP and mail connections go (the TLS certificate is
  still checked against the host name, never the address);
* every operation has its own timeout *and* honours a total :class:`Deadline`.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from typing import Callable, Iterable
from urllib.parse import urljoin, urlsplit

from .i18n import msg
from .errors import (ConnectError, DNSError, HTTPError, NetTimeout, NetworkError,
                     RedirectRefused, TLSError, UsageError)

DEFAULT_TIMEOUT = 10.0
MAX_HTTP_BODY = 1_000_000  # bytes; config documents are a few kB
MAX_REDIRECTS = 5
DNS_CACHE_SECONDS = 10.0   # how long an answer (or failure) is reused, at least
DNS_CACHE_MAX = 300.0      # and at most, whatever the TTL says
USER_AGENT = "setupwizard/0.1 (+mail account setup helper)"


@dataclass(frozen=True)
class NetOptions:
    """How to reach the network; built once from the command line."""

    dns_servers: tuple[tuple[str, int], ...] = ()
    ca_file: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    #: ask the resolver for DNSSEC validation status (AD flag)
    want_dnssec: bool = True
    #: what the user named (host names, IP addresses, networks): a redirect
    #: may lead to their addresses even when those are internal (see
    #: :func:`internal_redirect_refusal`)
    redirect_allowed: tuple[str, ...] = ()


def parse_dns_server(text: str) -> tuple[str, int]:
    """Parse ``IP``, ``IP:PORT``, ``[IPv6]:PORT`` or a bare IPv6 address.

    Raises UsageError for anything else (host names are not accepted: the
    point of the flag is to say which server answers names).
    """
    text = text.strip()
    host, port = text, 53
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise UsageError(msg("bad DNS server {text}", text=repr(text)))
        host, rest = text[1:end], text[end + 1:]
        if rest:
            if not rest.startswith(":"):
                raise UsageError(msg("bad DNS server {text}", text=repr(text)))
            port = _parse_port(rest[1:], text)
    elif text.count(":") == 1:
        host, port_text = text.split(":")
        port = _parse_port(port_text, text)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise UsageError(msg("bad DNS server {text}: give an IP address", text=repr(text))) from None
    return host, port


def _parse_port(text: str, whole: str) -> int:
    from .models import parse_port
    port = parse_port(text)
    if port is None:
        raise UsageError(msg("bad port in {text}", text=repr(whole)))
    return port


class Deadline:
    """A point in time after which an operation must give up."""

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._end = None if seconds is None else clock() + seconds

    def remaining(self) -> float:
        """Seconds left (never negative); a large number when unbounded."""
        if self._end is None:
            return 3600.0
        return max(0.0, self._end - self._clock())

    def expired(self) -> bool:
        return self._end is not None and self._clock() >= self._end

    def cap(self, timeout: float) -> float:
        """``timeout``, shortened to what is left; raises NetTimeout when nothing is."""
        left = self.remaining()
        if left <= 0:
            raise NetTimeout("deadline reached")
        return min(timeout, left)


@dataclass(frozen=True)
class DNSAnswer:
    name: str
    rdtype: str
    records: tuple = ()
    #: the resolver set the AD flag: the answer was DNSSEC-validated
    authenticated: bool = False
    ttl: int = 0


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
RedirectPolicy = Callable[[str, str], "str | None"]


def https_only(from_url: str, to_url: str) -> str | None:
    """Redirect policy: follow only to https URLs."""
    if urlsplit(to_url).scheme != "https":
        return msg("redirect to an unencrypted http URL refused")
    return None


def is_internal_address(address: str) -> bool:
    """True for an address no redirect from the internet should lead to:
    loopback, link-local, private (RFC 1918, ULA, shared 100.64/10),
    unspecified, multicast, reserved, and IPv4 addresses hidden in IPv6
    (mapped, 6to4, Teredo) that are one of these. An unparsable address
    counts as internal."""
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None and is_internal_address(str(inner)):
            return True
    return (not ip.is_global or ip.is_loopback or ip.is_link_local or ip.is_private
            or ip.is_unspecified or ip.is_multicast or ip.is_reserved)


def internal_redirect_refusal(addresses: Iterable[str],
                              allowed: Iterable[str]) -> str | None:
    """The redirect rule, in one place: None when a redirect may go to a
    host with ``addresses``, else the first forbidden address.

    Forbidden is any internal address (:func:`is_internal_address`) that is
    not in ``allowed`` - the addresses and networks the user named (host
    names there must already be resolved by the caller)."""
    networks = []
    for entry in allowed:
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            continue
    for address in addresses:
        if not is_internal_address(address):
            continue
        try:
            ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
        except ValueError:
            return address
        mapped = getattr(ip, "ipv4_mapped", None)
        if not any(ip in net or (mapped is not None and mapped in net) for net in networks):
            return address
    return None


class Network:
    """Resolver, HTTP client and TLS contexts built from one NetOptions.

    Thread-safe: discovery calls it from many threads at once.
    """

    def __init__(self, options: NetOptions | None = None) -> None:
        self.options = options or NetOptions()
        self._lock = threading.RLock()
        self._resolver = None
        self._tls_context: ssl.SSLContext | None = None
        self._http_session = None
        #: (name, rdtype) -> (expiry, DNSAnswer | DNSError) or an Event while asked
        self._dns_cache: dict = {}

    # -- DNS -------------------------------------------------------------
    def _get_resolver(self):
        with self._lock:
            if self._resolver is None:
                import dns.flags
                import dns.resolver
                if self.options.dns_servers:
                    resolver = dns.resolver.Resolver(configure=False)
                    resolver.nameservers = [ip for ip, _ in self.options.dns_servers]
                    # dnspython has one port for all nameservers; per-server
                    # ports go through nameserver objects
                    ports = {p for _, p in self.options.dns_servers}
                    if len(ports) == 1:
                        resolver.port = ports.pop()
                    else:
                        import dns.nameserver
                        resolver.nameservers = [dns.nameserver.Do53Nameserver(ip, port)
                                                for ip, port in self.options.dns_servers]
                else:
                    try:
                        resolver = dns.resolver.Resolver()
                    except Exception as exc:  # NoResolverConfiguration, OSError
                        raise DNSError(msg("no DNS server configured: {reason}", reason=str(exc)),
                                       kind="no-nameservers") from None
                if self.options.want_dnssec:
                    resolver.flags = dns.flags.RD | dns.flags.AD
                resolver.cache = None
                self._resolver = resolver
            return self._resolver

    def query(self, name: str, rdtype: str, *, timeout: float | None = None,
              deadline: Deadline | None = None) -> DNSAnswer:
        """Look up ``rdtype`` records of ``name``.

        Returns a DNSAnswer (empty ``records`` when the name exists but has no
        such records). Raises DNSError with ``kind`` nxdomain, servfail,
        refused, timeout, no-nameservers or error.

        Answers and failures are kept for a short while (DNS_CACHE_SECONDS,
        at least the record's TTL up to DNS_CACHE_MAX) and a question already
        on its way is not sent twice: the sources of one lookup, and the
        addresses of one batch, ask many of the same names, and a dead DNS
        server should cost one timeout, not one per question.
        """
        key = (name.lower().rstrip("."), rdtype)
        while True:
            with self._lock:
                entry = self._dns_cache.get(key)
                now = time.monotonic()
                if isinstance(entry, tuple) and entry[0] > now:
                    value = entry[1]
                    if isinstance(value, DNSError):
                        raise DNSError(value.message, kind=value.kind, name=name)
                    return value
                if isinstance(entry, threading.Event):
                    waiter = entry
                else:
                    waiter = None
                    pending = threading.Event()
                    self._dns_cache[key] = pending
            if waiter is None:
                break
            wait = timeout or self.options.timeout
            if deadline is not None:
                wait = min(wait, deadline.remaining())
            if not waiter.wait(wait):
                raise DNSError(msg("DNS lookup of {name} timed out", name=name),
                               kind="timeout", name=name)
        try:
            value = self._query(name, rdtype, timeout=timeout, deadline=deadline)
        except DNSError as exc:
            self._remember(key, exc, DNS_CACHE_SECONDS)
            raise
        except BaseException:
            with self._lock:
                self._dns_cache.pop(key, None)
            pending.set()
            raise
        self._remember(key, value, value.ttl)
        return value

    def _is_cached(self, name: str, rdtype: str) -> bool:
        with self._lock:
            entry = self._dns_cache.get((name.lower().rstrip("."), rdtype))
        return isinstance(entry, tuple) and entry[0] > time.monotonic()

    def _remember(self, key, value, ttl: float) -> None:
        lifetime = min(max(ttl, DNS_CACHE_SECONDS), DNS_CACHE_MAX)
        with self._lock:
            pending = self._dns_cache.get(key)
            self._dns_cache[key] = (time.monotonic() + lifetime, value)
        if isinstance(pending, threading.Event):
            pending.set()

    def _query(self, name: str, rdtype: str, *, timeout: float | None,
               deadline: Deadline | None) -> DNSAnswer:
        import dns.exception
        import dns.flags
        import dns.rcode
        import dns.resolver
        lifetime = timeout or self.options.timeout
        if deadline is not None:
            try:
                lifetime = deadline.cap(lifetime)
            except NetTimeout:
                raise DNSError(msg("{name}: no time left", name=name), kind="timeout", name=name) from None
        resolver = self._get_resolver()
        try:
            answer = resolver.resolve(name, rdtype, lifetime=lifetime,
                                      raise_on_no_answer=False, search=False)
        except dns.resolver.NXDOMAIN:
            raise DNSError(msg("{name} does not exist (NXDOMAIN)", name=name), kind="nxdomain",
                           name=name) from None
        except dns.resolver.LifetimeTimeout:
            raise DNSError(msg("DNS lookup of {name} timed out", name=name), kind="timeout",
                           name=name) from None
        except dns.resolver.NoNameservers as exc:
            kind = _no_nameservers_kind(exc)
            raise DNSError(msg("DNS server answered {answer} for {name}", answer=kind.upper(), name=name), kind=kind,
                           name=name) from None
        except dns.resolver.YXDOMAIN:
            raise DNSError(msg("{name} is too long", name=name), kind="error", name=name) from None
        except (dns.exception.DNSException, ValueError, OSError) as exc:
            raise DNSError(msg("DNS lookup of {name} failed: {reason}", name=name, reason=str(exc)), kind="error",
                           name=name) from None
        records = tuple(answer.rrset) if answer.rrset is not None else ()
        ad = bool(answer.response.flags & dns.flags.AD)
        ttl = answer.rrset.ttl if answer.rrset is not None else 0
        return DNSAnswer(name=name, rdtype=rdtype, records=records, authenticated=ad, ttl=ttl)

    def resolve_host(self, host: str, *, timeout: float | None = None,
                     deadline: Deadline | None = None) -> list[str]:
        """Return the IPv6 and IPv4 addresses of ``host`` (IPv6 first, as
        RFC 6724 prefers), asking both at once.

        IP literals are returned as they are. Raises DNSError (nxdomain when
        the name does not exist or has no address).
        """
        host = host.rstrip(".")
        try:
            return [str(ipaddress.ip_address(host.strip("[]")))]
        except ValueError:
            pass
        if host.lower() == "localhost":
            return ["::1", "127.0.0.1"]
        results: dict[str, list[str] | DNSError] = {}

        def ask(rdtype: str) -> None:
            try:
                results[rdtype] = [r.address for r in
                                   self.query(host, rdtype, timeout=timeout,
                                              deadline=deadline).records]
            except DNSError as exc:
                results[rdtype] = exc

        if self._is_cached(host, "AAAA"):
            ask("AAAA")  # no thread needed for an answer we already have
            ask("A")
        else:
            worker = threading.Thread(target=ask, args=("AAAA",), daemon=True)
            worker.start()
            ask("A")
            worker.join()
        addresses: list[str] = []
        errors: list[DNSError] = []
        for rdtype in ("AAAA", "A"):
            value = results.get(rdtype)
            if isinstance(value, DNSError):
                errors.append(value)
            elif value:
                addresses.extend(value)
        if addresses:
            return addresses
        if errors:
            # prefer the more telling error: a failing server over "no such name"
            errors.sort(key=lambda e: e.kind == "nxdomain")
            raise errors[0]
        raise DNSError(msg("{host} has no address", host=host), kind="no-address", name=host)

    # -- TLS -------------------------------------------------------------
    def tls_context(self) -> ssl.SSLContext:
        """A verifying client context: system CAs plus ``--ca-file``.

        Raises UsageError when the CA file cannot be read.
        """
        with self._lock:
            if self._tls_context is None:
                context = ssl.create_default_context()
                context.minimum_version = ssl.TLSVersion.TLSv1_2
                if self.options.ca_file:
                    try:
                        context.load_verify_locations(cafile=self.options.ca_file)
                    except (OSError, ssl.SSLError, ValueError) as exc:
                        raise UsageError(msg("cannot use CA file {path}: {reason}", path=self.options.ca_file, reason=str(exc))) from None
                self._tls_context = context
            return self._tls_context

    # -- TCP -------------------------------------------------------------
    def connect(self, host: str, port: int, *, timeout: float | None = None,
                deadline: Deadline | None = None, addresses: Iterable[str] | None = None
                ) -> socket.socket:
        """Open a TCP connection to ``host`` (resolved through our resolver),
        trying each address until one answers. Raises DNSError, ConnectError
        or NetTimeout."""
        timeout = timeout or self.options.timeout
        addresses = list(addresses) if addresses is not None else \
            self.resolve_host(host, timeout=timeout, deadline=deadline)
        last: NetworkError | None = None
        for ip in addresses:
            per_try = deadline.cap(timeout) if deadline else timeout
            try:
                return socket.create_connection((ip, port), timeout=per_try)
            except socket.timeout:
                last = NetTimeout(msg("connecting to {host} ({ip}) port {port} timed out", host=host, ip=ip, port=port),
                                  host=host, port=port)
            except OSError as exc:
                kind = {errno.ECONNREFUSED: "refused", errno.ENETUNREACH: "unreachable",
                        errno.EHOSTUNREACH: "unreachable", errno.EADDRNOTAVAIL: "unreachable",
                        errno.ECONNRESET: "reset"}.get(exc.errno, "error")
                last = ConnectError(kind=kind, message=msg("cannot connect to {host} ({ip}) port {port}: {reason}", host=host, ip=ip, port=port, reason=exc.strerror or str(exc)), host=host, port=port)
        raise last or ConnectError(msg("no address for {host}", host=host), host=host, port=port)

    # -- HTTP ------------------------------------------------------------
    def _session(self):
        # One session for all threads: urllib3's pools are thread-safe, and
        # sharing them lets a batch reuse TLS connections to the same server.
        with self._lock:
            if self._http_session is None:
                self._http_session = _build_session(self)
            return self._http_session

    def http(self, method: str, url: str, *, data: bytes | None = None,
             headers: dict[str, str] | None = None, timeout: float | None = None,
             deadline: Deadline | None = None, max_bytes: int = MAX_HTTP_BODY,
             redirect_policy: RedirectPolicy | None = https_only,
             max_redirects: int = MAX_REDIRECTS,
             method_after_redirect: str | None = None) -> HTTPResponse:
        """Send one HTTP request, following redirects the policy allows.

        Returns the final HTTPResponse whatever its status. Raises HTTPError
        (redirect loop, refused redirect, body over ``max_bytes``), TLSError,
        ConnectError, NetTimeout or DNSError.
        """
        timeout = timeout or self.options.timeout
        deadline = deadline or Deadline(timeout * 2)
        visited: list[str] = []
        current, current_method, current_data = url, method, data
        while True:
            response = self._http_once(current_method, current, current_data, headers,
                                       timeout, deadline, max_bytes)
            if response.status in (301, 302, 303, 307, 308) and redirect_policy is not None:
                location = response.headers.get("location")
                if not location:
                    return _with_history(response, visited)
                target = urljoin(current, location)
                visited.append(current)
                if target in visited or len(visited) > max_redirects:
                    raise HTTPError(msg("too many redirects or a redirect loop at {url}", url=target),
                                    status=response.status, host=urlsplit(url).hostname)
                refusal = redirect_policy(current, target) or \
                    self.redirect_refusal(target, timeout=timeout, deadline=deadline)
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

    def redirect_refusal(self, url: str, *, timeout: float | None = None,
                         deadline: Deadline | None = None):
        """Why a redirect (an HTTP Location, an Autodiscover redirectUrl...)
        must not go to ``url``, or None when it may.

        Refused: a host that is, or resolves to, an internal address the
        user did not name (:func:`internal_redirect_refusal`, with the
        addresses of ``NetOptions.redirect_allowed``). The answer is
        cached, so the connection that follows uses the addresses checked
        here. A name that does not resolve is left to the request to
        report. Raises nothing but NetTimeout/DNSError of a timed-out lookup.
        """
        host = urlsplit(url).hostname
        if not host:
            return None
        try:
            addresses = self.resolve_host(host, timeout=timeout, deadline=deadline)
        except DNSError as exc:
            if exc.kind == "timeout":
                raise
            return None
        allowed: list[str] = []
        for entry in self.options.redirect_allowed:
            try:
                ipaddress.ip_network(entry.strip("[]"), strict=False)
                allowed.append(entry)
            except ValueError:  # a name the user gave: allow what it resolves to
                try:
                    allowed.extend(self.resolve_host(entry, timeout=timeout,
                                                     deadline=deadline))
                except DNSError:
                    pass
        bad = internal_redirect_refusal(addresses, allowed)
        if bad is None:
            return None
        return msg("redirect to an internal address ({address}) refused", address=bad)

    def _http_once(self, method, url, data, headers, timeout, deadline, max_bytes):
        import requests
        import urllib3.exceptions as u3
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or not host:
            raise HTTPError(msg("not an http(s) URL: {url}", url=url))
        all_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, identity"}
        all_headers.update(headers or {})
        per_op = deadline.cap(timeout)
        # Resolve first (the answer is cached for the connection below): a name
        # that does not exist - the usual case for most discovery URLs - then
        # costs no HTTP machinery at all.
        self.resolve_host(host, timeout=per_op, deadline=deadline)
        try:
            with self._session().request(method, url, data=data, headers=all_headers,
                                         timeout=(per_op, per_op), stream=True,
                                         allow_redirects=False) as resp:
                declared = resp.headers.get("content-length", "").strip()
                if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
                    raise HTTPError(msg("answer from {host} is too large ({size} bytes)", host=host, size=declared),
                                    status=resp.status_code, host=host)
                body = _read_body(resp, max_bytes, deadline, host)
                return HTTPResponse(url=url, status=resp.status_code,
                                    headers={k.lower(): v for k, v in resp.headers.items()},
                                    body=body)
        except NetworkError:
            raise
        except requests.exceptions.SSLError as exc:
            raise TLSError(_tls_reason(exc, host), host=host) from None
        except requests.exceptions.ConnectTimeout:
            raise NetTimeout(msg("connecting to {host} timed out", host=host), host=host) from None
        except (requests.exceptions.ReadTimeout, u3.ReadTimeoutError, socket.timeout):
            raise NetTimeout(msg("{host} did not answer in time", host=host), host=host) from None
        except requests.exceptions.ConnectionError as exc:
            if _caused_by(exc, socket.timeout) or "timed out" in str(exc):
                raise NetTimeout(msg("connecting to {host} timed out", host=host), host=host) from None
            raise ConnectError(msg("cannot connect to {host}: {reason}", host=host, reason=_short(exc)), host=host) from None
        except (requests.exceptions.RequestException, u3.HTTPError, OSError,
                ValueError) as exc:
            raise HTTPError(msg("HTTP request to {host} failed: {reason}", host=host, reason=_short(exc)),
                            host=host) from None


def _no_nameservers_kind(exc) -> str:
    """servfail or refused when a server answered so, else error."""
    import dns.rcode
    rcodes = set()
    for entry in exc.kwargs.get("errors") or ():
        response = entry[4] if len(entry) > 4 else None
        if response is not None:
            rcodes.add(response.rcode())
    if dns.rcode.SERVFAIL in rcodes:
        return "servfail"
    if dns.rcode.REFUSED in rcodes:
        return "refused"
    return "error"


def _with_history(response: HTTPResponse, visited: list[str]) -> HTTPResponse:
    if not visited:
        return response
    return HTTPResponse(url=response.url, status=response.status,
                        headers=response.headers, body=response.body,
                        redirects=tuple(visited))


def _read_body(resp, max_bytes: int, deadline: Deadline, host: str) -> bytes:
    """Read the body with a size cap and the total deadline; inflate gzip
    ourselves with a bound, so a compressed bomb cannot grow in memory."""
    encoding = resp.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
        raise HTTPError(msg("{host} sent an unsupported content encoding {encoding}", host=host, encoding=repr(encoding)),
                        host=host)
    inflater = None
    if encoding in ("gzip", "x-gzip"):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        inflater = zlib.decompressobj()
    chunks: list[bytes] = []
    size = 0
    raw = resp.raw
    # read1 returns whatever has arrived; read(n) waits for n bytes or the
    # end, so a server dripping a byte a second would outlive the deadline
    read = getattr(raw, "read1", None) or raw.read
    while True:
        if deadline.expired():
            raise NetTimeout(msg("{host} is sending too slowly", host=host), host=host)
        chunk = read(16384, decode_content=False)
        if not chunk:
            break
        if inflater is not None:
            try:
                chunk = inflater.decompress(chunk, max_bytes + 1 - size)
            except zlib.error:
                raise HTTPError(msg("{host} sent a broken compressed answer", host=host), host=host) from None
        size += len(chunk)
        if size > max_bytes:
            raise HTTPError(msg("answer from {host} is larger than {limit} bytes", host=host, limit=max_bytes),
                            host=host)
        chunks.append(chunk)
    return b"".join(chunks)


def _caused_by(exc: BaseException, kind: type) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, kind):
            return True
        inner = getattr(exc, "reason", None)
        if isinstance(inner, BaseException) and id(inner) not in seen:
            exc = inner
            continue
        exc = exc.__cause__ or exc.__context__ or (exc.args[0] if exc.args and
                                                   isinstance(exc.args[0], BaseException)
                                                   else None)
    return False


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) < 200 else text[:197] + "..."


def _tls_reason(exc: BaseException, host: str):
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        detail = text.split("certificate verify failed:", 1)[-1].split("(")[0].strip(" )'\"")
        return msg("the certificate of {host} is not valid: {reason}", host=host,
                   reason=detail or "verification failed")
    if "hostname" in text.lower() and "match" in text.lower():
        return msg("the certificate is not for {host}", host=host)
    return msg("TLS with {host} failed: {reason}", host=host, reason=_short(exc))


def _build_session(network: Network):
    """A requests Session whose connections resolve names through
    ``network`` and verify TLS with ``network.tls_context()``."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.exceptions import NewConnectionError

    def resolving(base):
        class Connection(base):
            def _new_conn(self):
                try:
                    addresses = network.resolve_host(self.host, timeout=self.timeout
                                                     if isinstance(self.timeout, (int, float))
                                                     else None)
                except DNSError as exc:
                    exc.host = self.host
                    raise
                last = None
                name = self._dns_host
                for ip in addresses:
                    # urllib3's ``host`` (Host header, TLS server name) reads
                    # _dns_host: point it at the address only while connecting
                    self._dns_host = ip
                    try:
                        return super()._new_conn()
                    except NewConnectionError as exc:
                        last = exc
                    finally:
                        self._dns_host = name
                raise last
        Connection.__name__ = "Resolving" + base.__name__
        return Connection

    class ResolvingHTTPPool(HTTPConnectionPool):
        ConnectionCls = resolving(HTTPConnection)

    class ResolvingHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = resolving(HTTPSConnection)

    class Adapter(HTTPAdapter):
        def init_poolmanager(self, connections, maxsize, block=False, **kwargs):
            kwargs["ssl_context"] = network.tls_context()
            super().init_poolmanager(connections, maxsize, block, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": ResolvingHTTPPool,
                                                       "https": ResolvingHTTPSPool}
            self.poolmanager.key_fn_by_scheme = dict(self.poolmanager.key_fn_by_scheme)

        def cert_verify(self, conn, url, verify, cert):
            # Always verify, with our context (system CAs + --ca-file); never
            # let requests swap in another CA bundle.
            conn.cert_reqs = "CERT_REQUIRED"
            conn.ca_certs = None
            conn.ca_cert_dir = None

    session = requests.Session()
    session.trust_env = False  # no proxies or netrc from the environment in tests
    adapter = Adapter(max_retries=0, pool_connections=32, pool_maxsize=32)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session

"""The one place that builds resolvers, HTTP clients and TLS contexts.

A :class:`Network` is built once from :class:`NetOptions` and handed to every
part of the library that talks to other machines. Its parts live in
``dns`` (dnspython's asyncio resolver), ``http`` (httpx), ``tcp`` (asyncio
streams for the mail protocols); third-party errors become the tree in
``errors.py`` there, so nothing outside ``net`` sees them.

Two rules run through it:

* every name the tool resolves goes through one resolver, so ``--dns-server``
  also decides where HTTP and mail connections go (the TLS certificate is
  still checked against the host name, never the address);
* everything runs as tasks of one event loop, owned here (:meth:`Network.run`),
  and every step has a timeout from :class:`~setupwizard.runtime.Timeouts`.

Nothing heavy is imported or built before it is used: ``--offline`` builds
no TLS context and imports no network library, and the system certificates
are loaded once, for the first TLS connection.
"""

from __future__ import annotations

import ipaddress
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Coroutine, TypeVar

from ..errors import UsageError
from ..i18n import msg
from ..models import parse_port
from ..runtime import Deadline, Timeouts
from .dns import DNS, DNSAnswer
from .http import HTTP, MAX_HTTP_BODY, MAX_REDIRECTS, HTTPResponse, https_only

if TYPE_CHECKING:
    import asyncio
    import ssl

__all__ = ["Network", "NetOptions", "parse_dns_server", "Deadline", "DNSAnswer",
           "HTTPResponse", "https_only", "MAX_HTTP_BODY", "MAX_REDIRECTS", "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 10.0
T = TypeVar("T")


@dataclass(frozen=True)
class NetOptions:
    """How to reach the network; built once from the command line."""

    dns_servers: tuple[tuple[str, int], ...] = ()
    ca_file: str | None = None
    #: seconds for each network step (``--timeout``); every deadline derives from it
    timeout: float = DEFAULT_TIMEOUT
    #: ask the resolver for DNSSEC validation status (AD flag)
    want_dnssec: bool = True
    #: what the user named (host names, IP addresses, networks): a redirect
    #: may lead to their addresses even when those are internal (net.policy)
    redirect_allowed: tuple[str, ...] = field(default=())

    @property
    def timeouts(self) -> Timeouts:
        return Timeouts(self.timeout)


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
        raise UsageError(msg("bad DNS server {text}: give an IP address",
                             text=repr(text))) from None
    return host, port


def _parse_port(text: str, whole: str) -> int:
    port = parse_port(text)
    if port is None:
        raise UsageError(msg("bad port in {text}", text=repr(whole)))
    return port


class Network:
    """Resolver, HTTP client, TLS context and the event loop of one run.

    The core's code is async and calls ``network.dns``, ``network.web`` and
    ``net.tcp`` on the loop :meth:`run` owns; synchronous callers (the CLI,
    library users, tests) hand a coroutine to :meth:`run`. ``http_transport``
    replaces the network for HTTP (tests: ``httpx.MockTransport``).
    """

    def __init__(self, options: NetOptions | None = None, *, http_transport=None) -> None:
        self.options = options or NetOptions()
        self.timeouts = self.options.timeouts
        self.dns = DNS(self.options.dns_servers, want_dnssec=self.options.want_dnssec)
        self.web = HTTP(self.dns, self.tls_context, transport=http_transport,
                        redirect_allowed=self.options.redirect_allowed)
        self._lock = threading.Lock()
        self._tls_context: ssl.SSLContext | None = None
        self._runner: asyncio.Runner | None = None

    # -- TLS -------------------------------------------------------------
    def tls_context(self) -> "ssl.SSLContext":
        """A verifying client context: system CAs plus ``--ca-file``, built
        on first use (thread-safe: the wizard warms it up in the background).

        Raises UsageError when the CA file cannot be read.
        """
        with self._lock:
            if self._tls_context is None:
                import ssl
                context = ssl.create_default_context()
                context.minimum_version = ssl.TLSVersion.TLSv1_2
                if self.options.ca_file:
                    try:
                        context.load_verify_locations(cafile=self.options.ca_file)
                    except (OSError, ssl.SSLError, ValueError) as exc:
                        raise UsageError(msg("cannot use CA file {path}: {reason}",
                                             path=self.options.ca_file,
                                             reason=str(exc))) from None
                self._tls_context = context
            return self._tls_context

    def check_ca_file(self) -> None:
        """Raise UsageError now if ``--ca-file`` cannot be used (before any
        lookup), without loading the system certificates."""
        if not self.options.ca_file:
            return
        import ssl
        try:
            ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(
                cafile=self.options.ca_file)
        except (OSError, ssl.SSLError, ValueError) as exc:
            raise UsageError(msg("cannot use CA file {path}: {reason}",
                                 path=self.options.ca_file, reason=str(exc))) from None

    # -- the loop --------------------------------------------------------
    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on this network's event loop and return its result.

        One loop serves every call, so DNS answers and HTTP connections are
        reused between calls. Raises UsageError when called from inside a
        running event loop (use the async functions there).
        """
        import asyncio
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            coro.close()
            raise UsageError(msg("a synchronous setupwizard function was called inside a "
                                 "running event loop; await the async form instead"))
        if self._runner is None:
            self._runner = asyncio.Runner()
        return self._runner.run(coro)

    def close(self) -> None:
        """Close the HTTP client and the loop (idempotent)."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        try:
            runner.run(self.web.aclose())
        finally:
            runner.close()

    def __enter__(self) -> "Network":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- conveniences for synchronous callers (tests, scripts) --------------
    def query(self, name: str, rdtype: str, *, timeout: float | None = None) -> DNSAnswer:
        return self.run(self.dns.query(name, rdtype, timeout=timeout or self.options.timeout))

    def resolve_host(self, host: str, *, timeout: float | None = None) -> list[str]:
        return self.run(self.dns.resolve_host(host, timeout=timeout or self.options.timeout))

    def http(self, method: str, url: str, *, timeout: float | None = None,
             deadline: Deadline | None = None, **kwargs) -> HTTPResponse:
        return self.run(self.fetch(method, url, timeout=timeout, deadline=deadline, **kwargs))

    async def redirect_refusal(self, url: str, *, timeout: float | None = None):
        """See ``net.http.HTTP.redirect_refusal``."""
        return await self.web.redirect_refusal(url, timeout=timeout or self.options.timeout)

    async def fetch(self, method: str, url: str, *, timeout: float | None = None,
                    deadline: Deadline | None = None, **kwargs) -> HTTPResponse:
        """One HTTP request (see ``net.http.HTTP.request``) bounded by
        ``deadline`` as a whole (default: twice the step timeout)."""
        import asyncio

        from ..errors import NetTimeout
        step = timeout or self.options.timeout
        deadline = deadline or Deadline(step * 2)
        try:
            async with asyncio.timeout(deadline.remaining()):
                return await self.web.request(method, url, timeout=deadline.cap(step),
                                              **kwargs)
        except TimeoutError:
            from urllib.parse import urlsplit
            host = urlsplit(url).hostname
            raise NetTimeout(msg("{host} did not answer in time", host=host),
                             host=host) from None

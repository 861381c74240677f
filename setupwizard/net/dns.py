"""DNS on the event loop: dnspython's asyncio resolver behind one small
class that caches, merges questions already on their way, and translates
every dnspython error into :class:`~setupwizard.errors.DNSError`.

Every name the tool resolves goes through here, so ``--dns-server`` also
decides where HTTP and mail connections go.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import ipaddress
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

from ..errors import (DNS_ERROR, DNS_NO_ADDRESS, DNS_NO_NAMESERVERS, DNS_NXDOMAIN, DNS_REFUSED,
                      DNS_SERVER_TROUBLE, DNS_SERVFAIL, DNS_TIMEOUT, DNSError)
from ..i18n import msg

DNS_CACHE_SECONDS = 10.0   # how long an answer (or failure) is reused, at least
DNS_CACHE_MAX = 300.0      # and at most, whatever the TTL says


@dataclass
class DNSHealth:
    """What the DNS questions of one piece of work came to, to tell "this
    name does not exist" from "no DNS server answers at all" (README, "How
    discovery works"). Started with :func:`watching`; every question
    asked from that task and the tasks it starts is counted, cached answers
    included."""

    #: questions a DNS server answered (records, no records, or NXDOMAIN)
    answered: int = 0
    #: questions that failed with server trouble (DNS_SERVER_TROUBLE kinds)
    trouble: int = 0
    #: (name, rdtype) -> "ok" or the DNSError.kind (errors.DNS_KINDS)
    results: dict = field(default_factory=dict)

    @property
    def down(self) -> bool:
        """True when questions were asked and not one of them was answered:
        no network, or a broken resolver."""
        return self.trouble > 0 and self.answered == 0

    def note(self, name: str, rdtype: str, value: "DNSAnswer | DNSError") -> None:
        key = (name.lower().rstrip("."), rdtype)
        if isinstance(value, DNSError):
            if value.kind in DNS_SERVER_TROUBLE:
                self.trouble += 1
                self.results[key] = value.kind
                return
            self.results[key] = value.kind
        else:
            self.results[key] = "ok"
        self.answered += 1


_health: contextvars.ContextVar["DNSHealth | None"] = contextvars.ContextVar(
    "setupwizard_dns_health", default=None)


@contextlib.contextmanager
def watching() -> Iterator[DNSHealth]:
    """Count the DNS questions asked inside the ``with`` block - by the
    current task and by the tasks it starts there - in a new DNSHealth."""
    health = DNSHealth()
    token = _health.set(health)
    try:
        yield health
    finally:
        _health.reset(token)


def _note(name: str, rdtype: str, value: "DNSAnswer | DNSError") -> None:
    health = _health.get()
    if health is not None:
        health.note(name, rdtype, value)


@dataclass(frozen=True)
class DNSAnswer:
    name: str
    rdtype: str
    records: tuple = ()
    #: the resolver set the AD flag: the answer was DNSSEC-validated
    authenticated: bool = False
    ttl: int = 0


class DNS:
    """Asks one resolver (the system's, or ``servers``) on the running loop.

    Not thread-safe: use it from the loop that owns it (see
    ``net.Network.run``). Answers and failures are kept for a short while
    (DNS_CACHE_SECONDS, at least the record's TTL up to DNS_CACHE_MAX), and a
    question already on its way is not sent twice: the sources of one
    lookup, and the addresses of one batch, ask many of the same names, and
    a dead DNS server should cost one timeout, not one per question.
    """

    def __init__(self, servers: tuple[tuple[str, int], ...] = (), *, want_dnssec: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.servers = servers
        self.want_dnssec = want_dnssec
        self._clock = clock
        self._resolver = None
        #: (name, rdtype) -> (expiry, DNSAnswer | DNSError) or a Future while asked
        self._cache: dict = {}

    def _get_resolver(self):
        if self._resolver is None:
            import dns.asyncresolver
            import dns.flags
            if self.servers:
                resolver = dns.asyncresolver.Resolver(configure=False)
                import dns.nameserver
                resolver.nameservers = [dns.nameserver.Do53Nameserver(ip, port)
                                        for ip, port in self.servers]
            else:
                try:
                    resolver = dns.asyncresolver.Resolver()
                except Exception as exc:  # NoResolverConfiguration, OSError
                    raise DNSError(msg("no DNS server configured: {reason}",
                                       reason=str(exc)), kind=DNS_NO_NAMESERVERS) from None
            if self.want_dnssec:
                resolver.flags = dns.flags.RD | dns.flags.AD
            resolver.cache = None  # ours merges in-flight questions too
            self._resolver = resolver
        return self._resolver

    def cached(self, name: str, rdtype: str) -> bool:
        entry = self._cache.get((name.lower().rstrip("."), rdtype))
        return isinstance(entry, tuple) and entry[0] > self._clock()

    async def query(self, name: str, rdtype: str, *, timeout: float) -> DNSAnswer:
        """Look up ``rdtype`` records of ``name`` within ``timeout`` seconds.

        Returns a DNSAnswer (empty ``records`` when the name exists but has
        no such records). Raises DNSError with ``kind`` nxdomain, servfail,
        refused, timeout, no-nameservers or error.
        """
        key = (name.lower().rstrip("."), rdtype)
        entry = self._cache.get(key)
        if isinstance(entry, tuple):
            if entry[0] > self._clock():
                return _deliver(entry[1], name, rdtype)
            entry = None
        if isinstance(entry, asyncio.Future):
            loop = asyncio.get_running_loop()
            started = loop.time()
            try:
                value = await asyncio.wait_for(asyncio.shield(entry), timeout)
            except TimeoutError:
                value = DNSError(msg("DNS lookup of {name} timed out", name=name),
                                 kind=DNS_TIMEOUT, name=name)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if entry.cancelled() and task is not None and not task.cancelling():
                    # the task that asked was cancelled, not this one: ask anew
                    return await self.query(name, rdtype,
                                            timeout=timeout - (loop.time() - started))
                raise
            return _deliver(value, name, rdtype)
        if timeout <= 0:  # nothing asked, so nothing to cache or count
            raise DNSError(msg("{name}: no time left", name=name), kind=DNS_TIMEOUT, name=name)
        pending: asyncio.Future = asyncio.get_running_loop().create_future()
        self._cache[key] = pending
        try:
            value: DNSAnswer | DNSError = await self._ask(name, rdtype, timeout)
        except DNSError as exc:
            # cached bare: its traceback and the dnspython exception behind
            # it (``raise ... from None`` only hides that one) hold the
            # frames and the parsed DNS messages, which would otherwise
            # live as long as the cache - in a batch of distinct domains,
            # most of the memory
            exc.__context__ = None
            value = exc.with_traceback(None)
        except BaseException:  # cancelled: let a later question ask again
            self._cache.pop(key, None)
            if not pending.done():
                pending.cancel()
            raise
        lifetime = DNS_CACHE_SECONDS if isinstance(value, DNSError) else value.ttl
        lifetime = min(max(lifetime, DNS_CACHE_SECONDS), DNS_CACHE_MAX)
        self._cache[key] = (self._clock() + lifetime, value)
        pending.set_result(value)
        return _deliver(value, name, rdtype)

    async def _ask(self, name: str, rdtype: str, timeout: float) -> DNSAnswer:
        import dns.exception
        import dns.flags
        import dns.resolver
        if timeout <= 0:
            raise DNSError(msg("{name}: no time left", name=name), kind=DNS_TIMEOUT, name=name)
        resolver = self._get_resolver()
        try:
            answer = await resolver.resolve(name, rdtype, lifetime=timeout,
                                            raise_on_no_answer=False, search=False)
        except dns.resolver.NXDOMAIN:
            raise DNSError(msg("{name} does not exist (NXDOMAIN)", name=name),
                           kind=DNS_NXDOMAIN, name=name) from None
        except dns.resolver.LifetimeTimeout:
            raise DNSError(msg("DNS lookup of {name} timed out", name=name),
                           kind=DNS_TIMEOUT, name=name) from None
        except dns.resolver.NoNameservers as exc:
            kind = _no_nameservers_kind(exc)
            raise DNSError(msg("DNS server answered {answer} for {name}",
                               answer=kind.upper(), name=name), kind=kind, name=name) from None
        except dns.resolver.YXDOMAIN:
            raise DNSError(msg("{name} is too long", name=name), kind=DNS_ERROR,
                           name=name) from None
        except (dns.exception.DNSException, ValueError, OSError, UnicodeError) as exc:
            raise DNSError(msg("DNS lookup of {name} failed: {reason}", name=name,
                               reason=str(exc)), kind=DNS_ERROR, name=name) from None
        records = tuple(answer.rrset) if answer.rrset is not None else ()
        ad = bool(answer.response.flags & dns.flags.AD)
        ttl = answer.rrset.ttl if answer.rrset is not None else 0
        return DNSAnswer(name=name, rdtype=rdtype, records=records, authenticated=ad, ttl=ttl)

    async def resolve_host(self, host: str, *, timeout: float) -> list[str]:
        """The IPv6 and IPv4 addresses of ``host`` (IPv6 first, as RFC 6724
        prefers), both asked at once. IP literals come back as they are.

        Raises DNSError: nxdomain when the name does not exist, no-address
        when it exists without addresses, or the server trouble that hid
        the answer (preferred over "no such name": it is the truer story).
        """
        host = host.rstrip(".")
        try:
            return [str(ipaddress.ip_address(host.strip("[]")))]
        except ValueError:
            pass
        if host.lower() == "localhost":
            return ["::1", "127.0.0.1"]
        results = await asyncio.gather(self.query(host, "AAAA", timeout=timeout),
                                       self.query(host, "A", timeout=timeout),
                                       return_exceptions=True)
        addresses: list[str] = []
        errors: list[DNSError] = []
        for result in results:
            if isinstance(result, DNSError):
                errors.append(result)
            elif isinstance(result, BaseException):
                raise result
            else:
                addresses.extend(r.address for r in result.records)
        if addresses:
            return addresses
        if errors:
            errors.sort(key=lambda e: e.kind == DNS_NXDOMAIN)
            raise errors[0]
        raise DNSError(msg("{host} has no address", host=host), kind=DNS_NO_ADDRESS, name=host)


def _deliver(value: "DNSAnswer | DNSError", name: str, rdtype: str) -> DNSAnswer:
    _note(name, rdtype, value)
    if isinstance(value, DNSError):
        raise DNSError(value.message, kind=value.kind, name=name)
    return value


def _no_nameservers_kind(exc) -> str:
    """servfail or refused when a server answered so, else error."""
    import dns.rcode
    rcodes = set()
    for entry in exc.kwargs.get("errors") or ():
        response = entry[4] if len(entry) > 4 else None
        if response is not None:
            try:
                rcodes.add(response.rcode())
            except AttributeError:
                pass
    if dns.rcode.SERVFAIL in rcodes:
        return DNS_SERVFAIL
    if dns.rcode.REFUSED in rcodes:
        return DNS_REFUSED
    return DNS_ERROR

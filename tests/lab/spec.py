"""What scenarios declare: DNS records and HTTP routes, as frozen values.

Addresses in ``A`` records are either a literal IPv4 address or one of the
symbolic lab names in :data:`LAB_HOSTS` ("web", "blackhole", ...), which the
lab replaces with the address it picked for this run. ``AAAA`` records take
literal addresses only (IPv6 has one loopback address, so the lab's servers
live on IPv4).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Union

#: Symbolic lab hosts and their host number inside the run's 127.X.Y.0/24.
LAB_HOSTS: dict[str, int] = {
    "web": 1,
    "web-untrusted": 2,
    "web-wrongname": 3,
    "blackhole": 4,
    "refused": 5,
    "dns": 53,
    "dns-servfail": 54,
    "dns-refused": 55,
    "dns-silent": 56,
    # real Dovecot instances (tests/lab/dovecot.py), started by lab.mail(variant)
    "mail-healthy": 20,
    "mail-dual": 21,
    "mail-expired": 22,
    "mail-wrongname": 23,
    "mail-selfsigned": 24,
    "mail-nostarttls": 25,
    "mail-plaintext": 26,
    "mail-oauth2": 27,
    "mail-expiring": 28,
    # the SMTP sink the Dovecot submission services relay to (port 25)
    "mail-relay": 39,
    # scripted hostile mail servers (tests/lab/hostile_mail.py), lab.hostile(kind)
    "hostile-garbage": 40,
    "hostile-endless": 41,
    "hostile-drip": 42,
    "hostile-inject": 43,
    "hostile-preauth": 44,
    "hostile-escape": 45,
    "hostile-reset": 46,
    "hostile-provider-errors": 47,
}

#: Dovecot variants: ``lab.mail(v)``, DNS name ``v.mail.test``, lab host ``mail-v``.
MAIL_VARIANTS: tuple[str, ...] = ("healthy", "dual", "expired", "wrongname", "selfsigned",
                                  "nostarttls", "plaintext", "oauth2", "expiring")
#: hostile mail servers: ``lab.hostile(k)``, DNS name ``k.hostile.test``, lab host ``hostile-k``.
HOSTILE_KINDS: tuple[str, ...] = ("garbage", "endless", "drip", "inject", "preauth", "escape",
                                  "reset", "provider-errors")


def _name(text: str) -> str:
    name = text.strip().rstrip(".").lower()
    if not name or any(c in name for c in ' ,"\\\n\r\t#'):
        raise ValueError(f"bad DNS name {text!r}")
    return name


@dataclass(frozen=True)
class A:
    """An IPv4 address record; ``address`` is literal or a LAB_HOSTS name."""

    name: str
    address: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _name(self.name))
        if self.address not in LAB_HOSTS:
            ipaddress.IPv4Address(self.address)  # ValueError for anything else


@dataclass(frozen=True)
class AAAA:
    """An IPv6 address record with a literal address (e.g. "::1")."""

    name: str
    address: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _name(self.name))
        if self.address in LAB_HOSTS:
            raise ValueError(f"AAAA({self.name!r}): the lab servers have IPv4 addresses "
                             f"only; use A(..., {self.address!r}) or a literal like '::1'")
        object.__setattr__(self, "address", str(ipaddress.IPv6Address(self.address)))


@dataclass(frozen=True)
class CNAME:
    """``name`` is an alias of ``target`` (which need not exist)."""

    name: str
    target: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _name(self.name))
        object.__setattr__(self, "target", _name(self.target))


@dataclass(frozen=True)
class MX:
    name: str
    host: str
    preference: int = 10

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _name(self.name))
        host = self.host.strip()
        object.__setattr__(self, "host", "." if host == "." else _name(host))


@dataclass(frozen=True)
class SRV:
    """A service record; ``target="."`` means "service not offered" (RFC 2782)
    and is served as ``priority weight port .`` (0 0 0 by default)."""

    name: str
    target: str
    port: int = 0
    priority: int = 0
    weight: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _name(self.name))
        target = self.target.strip()
        object.__setattr__(self, "target", "." if target == "." else _name(target))
        for value in (self.port, self.priority, self.weight):
            if not 0 <= int(value) < 65536:
                raise ValueError(f"SRV({self.name!r}): {value} out of range")


@dataclass(frozen=True)
class TXT:
    """A TXT record: one string, or a tuple of strings for one record with
    several character-strings. Strings over 255 bytes are split by dnsmasq."""

    name: str
    text: Union[str, tuple[str, ...]]

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _name(self.name))
        if not isinstance(self.text, str):
            object.__setattr__(self, "text", tuple(self.text))

    @property
    def strings(self) -> tuple[str, ...]:
        return (self.text,) if isinstance(self.text, str) else self.text


Record = Union[A, AAAA, CNAME, MX, SRV, TXT]


@dataclass(frozen=True)
class Request:
    """What a lab web server received."""

    method: str
    scheme: str
    host: str
    path: str
    #: query parameters; a repeated key keeps its last value
    query: Mapping[str, str]
    #: case-insensitive mapping of the request headers
    headers: Mapping[str, str]
    body: bytes = b""
    #: which lab server got it: "web", "web-untrusted" or "web-wrongname"
    server: str = "web"


@dataclass(frozen=True)
class Reply:
    """What a route handler returns. ``body`` is bytes (or str, sent as
    UTF-8), or an iterable of ``(delay_seconds, bytes)`` chunks that are sent
    one after the other with the delay before each (a slow drip; such replies
    have no Content-Length and end by closing the connection)."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Union[bytes, str, Iterable[tuple[float, bytes]]] = b""
    content_type: str | None = None


Handler = Callable[[Request], Reply]


@dataclass(frozen=True)
class Route:
    """Answer requests for ``host`` + ``path`` (exact, without the query).

    Either a fixed answer (``status``, ``headers``, ``body``,
    ``content_type``) or ``handler(request) -> Reply``. ``scheme`` is
    "https", "http" or None for both; ``methods`` None allows every method.
    """

    host: str
    path: str
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Union[bytes, str] = b""
    content_type: str | None = None
    handler: Handler | None = None
    scheme: str | None = None
    methods: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "host", _name(self.host))
        if not self.path.startswith("/"):
            raise ValueError(f"Route({self.host!r}, {self.path!r}): path must start with /")
        if self.scheme not in (None, "http", "https"):
            raise ValueError(f"Route scheme must be 'http', 'https' or None, not {self.scheme!r}")
        if self.methods is not None:
            object.__setattr__(self, "methods", tuple(m.upper() for m in self.methods))
        object.__setattr__(self, "headers", dict(self.headers))

    def __hash__(self) -> int:  # headers is a dict; hash on the routing key
        return hash((self.host, self.path, self.scheme, self.methods))

    def matches(self, scheme: str, host: str, path: str, method: str) -> bool:
        return (self.host == host and self.path == path
                and self.scheme in (None, scheme)
                and (self.methods is None or method.upper() in self.methods))

    def reply(self, request: Request) -> Reply:
        if self.handler is not None:
            return self.handler(request)
        return Reply(status=self.status, headers=self.headers, body=self.body,
                     content_type=self.content_type)

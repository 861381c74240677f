"""Immutable value objects shared by discovery, diagnostics, export and UI."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Literal

from .errors import InvalidAddress

Protocol = Literal["imap", "pop3", "smtp"]
Security = Literal["tls", "starttls", "plain"]

#: clientConfig socketType -> our security name, and back.
SOCKET_TYPES: dict[str, Security] = {"SSL": "tls", "STARTTLS": "starttls", "PLAIN": "plain"}
SECURITY_TO_SOCKET_TYPE: dict[str, str] = {"tls": "SSL", "starttls": "STARTTLS", "plain": "plain"}

#: Standard ports per protocol and security (RFC 8314 prefers implicit TLS).
DEFAULT_PORTS: dict[tuple[str, str], int] = {
    ("imap", "tls"): 993, ("imap", "starttls"): 143, ("imap", "plain"): 143,
    ("pop3", "tls"): 995, ("pop3", "starttls"): 110, ("pop3", "plain"): 110,
    ("smtp", "tls"): 465, ("smtp", "starttls"): 587, ("smtp", "plain"): 587,
}

MAX_ADDRESS_LENGTH = 254  # RFC 5321 path limit minus the angle brackets
MAX_LOCAL_LENGTH = 64


@dataclass(frozen=True)
class EmailAddress:
    """A syntactically usable e-mail address.

    ``domain`` is the domain as the user typed it (lower-cased, Unicode),
    ``ascii_domain`` its IDNA form used on the wire.
    """

    local: str
    domain: str
    ascii_domain: str

    @property
    def text(self) -> str:
        return f"{self.local}@{self.domain}"

    @property
    def ascii(self) -> str:
        return f"{self.local}@{self.ascii_domain}"

    def __str__(self) -> str:
        return self.text

    @classmethod
    def parse(cls, text: str) -> "EmailAddress":
        """Parse and check ``text``; return an EmailAddress.

        Raises InvalidAddress with a stable ``reason`` key. This is deliberately
        a practical check (what a mail client accepts), not full RFC 5322.
        """
        if not isinstance(text, str):
            raise InvalidAddress(repr(text), "empty-local")
        raw = text
        text = text.strip()
        if any("\ud800" <= c <= "\udfff" for c in text):
            raise InvalidAddress(raw, "not-utf8")  # undecodable bytes (surrogateescape)
        if any(ord(c) < 32 or ord(c) == 127 or 0x80 <= ord(c) < 0xA0 for c in text):
            raise InvalidAddress(raw, "control")
        if not text:
            raise InvalidAddress(raw, "empty")
        if any(c.isspace() for c in text):
            raise InvalidAddress(raw, "space")
        if len(text) > MAX_ADDRESS_LENGTH:
            raise InvalidAddress(raw, "too-long")
        count = text.count("@")
        if count == 0:
            raise InvalidAddress(raw, "no-at")
        if count > 1:
            raise InvalidAddress(raw, "several-at")
        local, domain = text.split("@")
        if not local:
            raise InvalidAddress(raw, "empty-local")
        if not domain:
            raise InvalidAddress(raw, "empty-domain")
        if len(local) > MAX_LOCAL_LENGTH:
            raise InvalidAddress(raw, "too-long")
        if (local.startswith(".") or local.endswith(".") or ".." in local
                or any(c in '()<>[]\\,;:"' for c in local)):
            raise InvalidAddress(raw, "bad-local")
        domain = domain.rstrip(".").lower() if domain.endswith(".") and not domain.endswith("..") else domain.lower()
        ascii_domain = to_ascii_domain(domain)
        if ascii_domain is None:
            raise InvalidAddress(raw, "bad-domain")
        return cls(local=local, domain=domain, ascii_domain=ascii_domain)


def to_ascii_domain(domain: str) -> str | None:
    """Return the IDNA (punycode) form of ``domain``, or None if it is not a
    valid host name with at least two labels."""
    if not domain or len(domain) > 253:
        return None
    try:
        import idna  # requests depends on it; UTS 46 mapping like browsers
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
    except Exception:  # idna raises several unrelated types; all mean "invalid"
        try:
            ascii_domain = domain.encode("idna").decode("ascii")
        except (UnicodeError, ValueError):
            return None
    ascii_domain = ascii_domain.lower()
    if "." not in ascii_domain or not _usable_ascii_name(ascii_domain):
        return None
    return ascii_domain


def readable_login(username: str) -> str:
    """``username`` as a person reads it: when it is an address whose domain
    is in punycode (``älice@xn--lb-via.test``), the domain in Unicode
    (``älice@läb.test``); anything else unchanged. Never raises.

    The files keep the login exactly as the source gave it; screens and the
    printed sheet show this form, which is how the user knows the address."""
    local, at, domain = username.rpartition("@")
    if not at or "xn--" not in domain.lower() or not domain.isascii():
        return username
    try:
        import idna
        return f"{local}@{idna.decode(domain)}"
    except Exception:  # idna raises several unrelated types; all mean "leave it"
        return username


def _usable_ascii_name(text: str) -> bool:
    """An ASCII host name (is_hostname) whose last label is not a number (an
    IP address or a numeric top-level domain is no mail domain) and whose
    punycode labels decode (xn--zz is not a name)."""
    if not is_hostname(text) or text.rstrip(".").rsplit(".", 1)[-1].isdigit():
        return False
    if "xn--" in text:
        try:
            import idna
            idna.decode(text)
        except Exception:  # idna raises several unrelated types; all mean "invalid"
            return False
    return True


_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.ASCII)
_ASCII_PORT = re.compile(r"[0-9]{1,5}", re.ASCII)


def is_hostname(name: str) -> bool:
    """True if ``name`` is an ASCII host name: letters, digits and inner
    hyphens, labels of 1-63 characters, at most 253 in all, one trailing
    dot allowed. No underscores (``_imaps._tcp`` names a service, not a
    host), no backslashes or other escapes, no empty labels."""
    if not isinstance(name, str) or not name or len(name) > 254:
        return False
    name = name[:-1] if name.endswith(".") else name
    if not name or len(name) > 253:
        return False
    return all(_LABEL.fullmatch(label) for label in name.lower().split("."))


def check_hostname(name: object, *, allow_ip: bool = False) -> str | None:
    """The one check for a server name received from anywhere (SRV, MX,
    autoconfig, Autodiscover, the command line, ...).

    Returns the name as we use it on the wire - lower case, IDNA (punycode)
    for Unicode names, without a trailing dot - or None when it is not a
    usable host name: escaped or empty labels (dnspython writes a dot inside
    a label as ``\\.``), underscores, over-long names, a numeric last label
    (an IP address in disguise), punycode that does not decode. With
    ``allow_ip`` an IPv4 or IPv6 literal (brackets allowed) is returned in
    its normal form. Never raises.
    """
    import ipaddress
    if not isinstance(name, str):
        return None
    text = name.strip()
    if allow_ip:
        try:
            return str(ipaddress.ip_address(text[1:-1] if text.startswith("[")
                                            and text.endswith("]") else text))
        except ValueError:
            pass
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    if not text or len(text) > 253:
        return None
    text = text.lower()
    if not text.isascii():
        if any(c in text for c in "\\_") or any(not c.isprintable() or c.isspace()
                                               for c in text):
            return None
        try:
            import idna
            text = idna.encode(text, uts46=True).decode("ascii").lower()
        except Exception:  # idna raises several unrelated types; all mean "invalid"
            return None
    if not _usable_ascii_name(text):
        return None
    return text


def parse_port(text: object) -> int | None:
    """A TCP port from text: ASCII digits only (Python's ``int()`` and
    ``str.isdigit()`` also take Unicode digits such as ``²`` or ``٣``),
    1 to 65535. Returns None for anything else; never raises."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text if 0 < text < 65536 else None
    if not isinstance(text, str) or not _ASCII_PORT.fullmatch(text.strip()):
        return None
    port = int(text.strip())
    return port if 0 < port < 65536 else None


@dataclass(frozen=True)
class Server:
    """One server setting, as a mail client needs it.

    ``username`` has placeholders expanded; ``source`` names the discovery
    source it came from, ``trusted`` says whether that source is authenticated
    (HTTPS from the provider's own domain, our database) or must be confirmed
    by the user (plain HTTP, MX, SRV outside the domain, guessing).
    """

    protocol: Protocol
    host: str
    port: int
    security: Security
    username: str | None = None
    auth: tuple[str, ...] = ("password-cleartext",)
    source: str = ""
    trusted: bool = True
    #: extra facts from the source (POP3 leave-on-server, SRV priority, ...)
    extra: tuple[tuple[str, object], ...] = ()

    def to_json(self) -> dict:
        data = {
            "protocol": self.protocol, "host": self.host, "port": self.port,
            "security": self.security, "username": self.username,
            "auth": list(self.auth), "source": self.source, "trusted": self.trusted,
        }
        for key, value in self.extra:
            data.setdefault(key, value)
        return data

    def with_(self, **changes) -> "Server":
        return dataclasses.replace(self, **changes)

    @property
    def url(self) -> str:
        return f"{self.protocol}://{self.host}:{self.port}"


@dataclass(frozen=True)
class Hint:
    """Something the user must know or do, in English and German."""

    id: str
    text: dict[str, str]
    url: str | None = None
    kind: str = "info"  # info | action | warning

    def in_lang(self, lang: str) -> str:
        return self.text.get(lang) or self.text.get("en") or next(iter(self.text.values()), "")

    def to_json(self, lang: str = "en") -> dict:
        return {"id": self.id, "kind": self.kind, "text": self.in_lang(lang), "url": self.url}


@dataclass(frozen=True)
class ProviderRef:
    id: str
    name: str

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class AccountConfig:
    """What one source found for one address."""

    incoming: tuple[Server, ...]
    outgoing: tuple[Server, ...]
    source: str
    trusted: bool = True
    provider: ProviderRef | None = None
    hints: tuple[Hint, ...] = ()
    #: where the document came from (URL, DNS name), for the report
    origin: str | None = None
    #: oddities noticed while reading (i18n.Message values, for warnings)
    notes: tuple = ()

    @property
    def empty(self) -> bool:
        return not self.incoming and not self.outgoing


SourceStatus = Literal["found", "not-found", "error", "timeout", "skipped", "cancelled"]


@dataclass(frozen=True)
class Outcome:
    """What asking one source (or one URL, one record of a source) gave: the
    one shape for every answer, made from exceptions in one place
    (``runtime.settle``).

    ``status``: found (``config`` holds the settings), not-found, error
    (``kind`` says which: a DNSError kind such as nxdomain, servfail or
    timeout, or tls, connect, http, document, internal), timeout (kind
    timeout: a DNS question; net-timeout: a connection or a read), skipped,
    cancelled. ``name`` and ``elapsed_ms`` are filled in by whoever ran it.
    """

    status: SourceStatus
    #: a str, or an i18n.Message the UI renders in the user's language
    detail: object = ""
    config: AccountConfig | None = None
    warnings: tuple = ()
    name: str = ""
    elapsed_ms: int = 0
    kind: str | None = None

    @classmethod
    def found(cls, config: AccountConfig, detail: object = "",
              warnings: tuple = ()) -> "Outcome":
        return cls("found", detail, config, tuple(warnings))

    @classmethod
    def not_found(cls, detail: object = "", warnings: tuple = ()) -> "Outcome":
        return cls("not-found", detail, None, tuple(warnings))

    def with_(self, **changes) -> "Outcome":
        return dataclasses.replace(self, **changes)

    def to_json(self, translator=None) -> dict:
        detail = self.detail.render(translator) if hasattr(self.detail, "render") \
            else str(self.detail)
        return {"name": self.name, "status": self.status, "detail": detail,
                "elapsed_ms": self.elapsed_ms}


#: the name discovery results used before there was one shape
SourceReport = Outcome


@dataclass(frozen=True)
class DiscoveryResult:
    """Everything discovery learned about one address."""

    address: str
    domain: str
    config: AccountConfig | None = None
    sources: tuple[SourceReport, ...] = ()
    #: i18n.Message values (or plain str), rendered by the UI
    warnings: tuple = ()
    error: object = None
    #: findings of other sources that also answered (name -> config)
    others: tuple[tuple[str, AccountConfig], ...] = field(default=())
    #: no DNS question of the lookup was answered: no network or a broken
    #: resolver (then ``error`` says so, and nothing about the domain)
    network_down: bool = False
    #: how long the lookup took
    elapsed_ms: int = 0

    @property
    def found(self) -> bool:
        return self.config is not None and not self.config.empty

    @property
    def incoming(self) -> tuple[Server, ...]:
        return self.config.incoming if self.config else ()

    @property
    def outgoing(self) -> tuple[Server, ...]:
        return self.config.outgoing if self.config else ()

    @property
    def provider(self) -> ProviderRef | None:
        return self.config.provider if self.config else None

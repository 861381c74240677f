"""Immutable value objects shared by discovery, diagnostics, export and UI."""

from __future__ import annotations

import dataclasses
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
    if not is_hostname(ascii_domain) or "." not in ascii_domain:
        return None
    if ascii_domain.rsplit(".", 1)[1].isdigit():
        return None  # an IP address or a numeric top-level domain: not a mail domain
    if "xn--" in ascii_domain:
        try:  # a punycode label must decode (xn--zz is not a name)
            import idna
            idna.decode(ascii_domain)
        except Exception:  # idna raises several unrelated types; all mean "invalid"
            return None
    return ascii_domain


def is_hostname(name: str) -> bool:
    """True if ``name`` is an ASCII host name (LDH labels, 1-63 chars each)."""
    if not name or len(name) > 253:
        return False
    name = name[:-1] if name.endswith(".") else name
    for label in name.split("."):
        if not 0 < len(label) <= 63:
            return False
        if label.startswith("-") or label.endswith("-"):
            return False
        if not all(c.isascii() and (c.isalnum() or c in "-_") for c in label):
            return False
    return True


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
class SourceReport:
    """The outcome of asking one source."""

    name: str
    status: SourceStatus
    #: a str, or an i18n.Message the UI renders in the user's language
    detail: object = ""
    elapsed_ms: int = 0
    config: AccountConfig | None = None
    warnings: tuple = ()

    def to_json(self, translator=None) -> dict:
        detail = self.detail.render(translator) if hasattr(self.detail, "render") \
            else str(self.detail)
        return {"name": self.name, "status": self.status, "detail": detail,
                "elapsed_ms": self.elapsed_ms}


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

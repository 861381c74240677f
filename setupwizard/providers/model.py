"""The values of the provider database: a provider, its server templates
and the pages its facts come from. Built by
:func:`setupwizard.providers.validation.build`, held by
:class:`setupwizard.providers.database.ProviderDatabase`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import AccountConfig, EmailAddress, Hint, ProviderRef, Server, to_ascii_domain
from ..placeholders import expand

__all__ = ["ServerTemplate", "Citation", "Provider", "normal_domain"]


@dataclass(frozen=True)
class ServerTemplate:
    """One server as a provider file describes it; ``host`` and
    ``username`` may still contain placeholders."""

    protocol: str
    host: str
    port: int
    security: str
    username: str = "%EMAILADDRESS%"
    auth: tuple[str, ...] = ("password-cleartext",)
    #: POP3 extras, as (Server.extra key, value) pairs
    extra: tuple[tuple[str, object], ...] = ()

    def server_for(self, address: EmailAddress, *, source: str = "providers",
                   trusted: bool = True, notes: list[str] | None = None) -> Server:
        """Return a :class:`Server` for ``address`` with the placeholders in
        ``host`` and ``username`` filled in (host names in IDNA form). Repairs
        of malformed placeholders are appended to ``notes`` (English phrases)
        when given. Never raises."""
        username, user_notes = expand(self.username, address)
        host, host_notes = expand(self.host, address)
        host = host.strip().lower().rstrip(".")
        if not host.isascii():
            host = to_ascii_domain(host) or host
        if notes is not None:
            for where, details in (("host name", host_notes), ("user name", user_notes)):
                notes.extend(f"{where} of the {self.protocol} server: {detail}"
                             for detail in details)
        return Server(protocol=self.protocol, host=host, port=self.port,  # type: ignore[arg-type]
                      security=self.security, username=username,  # type: ignore[arg-type]
                      auth=self.auth, source=source, trusted=trusted, extra=self.extra)


@dataclass(frozen=True)
class Citation:
    """A public page that the facts of a provider file come from."""

    url: str
    what: str
    checked: str  # YYYY-MM-DD
    #: ``what`` in German (the file's ``what_de``); empty when the file has none
    what_de: str = ""

    def what_in(self, lang: str) -> str:
        """Which facts the page gives, in ``lang`` ('en' or 'de'); English
        when the file has no text in that language."""
        return self.what_de if lang == "de" and self.what_de else self.what


@dataclass(frozen=True)
class Provider:
    """One mail provider from the bundled database.

    ``domains`` are IDNA (ASCII) forms, ``domains_as_written`` what the file
    says (Unicode allowed). Equality and hashing go by ``id``.
    """

    id: str
    name: str
    short_name: str
    status: str
    auth: tuple[str, ...]
    domains: tuple[str, ...] = ()
    mx_patterns: tuple[str, ...] = ()
    subdomains: bool = False
    web: str | None = None
    incoming: tuple[ServerTemplate, ...] = ()
    outgoing: tuple[ServerTemplate, ...] = ()
    hints: tuple[Hint, ...] = ()
    sources: tuple[Citation, ...] = ()
    domains_as_written: tuple[str, ...] = field(default=(), compare=False, repr=False)
    #: the file it was read from, for messages
    path: str | None = field(default=None, compare=False, repr=False)

    def __hash__(self) -> int:
        return hash(self.id)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Provider) and other.id == self.id

    @property
    def ref(self) -> ProviderRef:
        return ProviderRef(id=self.id, name=self.name)

    @property
    def usable(self) -> bool:
        """False when standard mail programs cannot use this provider at all."""
        return self.status != "unusable"

    def config_for(self, address: EmailAddress, *, source: str = "providers",
                   trusted: bool = True) -> AccountConfig:
        """Return the settings of this provider for ``address``: servers with
        their placeholders filled in (best first, as the file lists them), the
        provider, and its hints. An ``unusable`` provider gives a config
        without servers whose hints say why. Never raises."""
        notes: list[str] = []
        incoming = tuple(t.server_for(address, source=source, trusted=trusted, notes=notes)
                         for t in self.incoming)
        outgoing = tuple(t.server_for(address, source=source, trusted=trusted, notes=notes)
                         for t in self.outgoing)
        return AccountConfig(incoming=incoming, outgoing=outgoing, source=source,
                             trusted=trusted, provider=self.ref, hints=self.hints,
                             origin=f"providers/{self.id}.toml", notes=tuple(notes))



def normal_domain(name: str) -> str:
    """``name`` as the database indexes it: lower case, no final dot, IDNA;
    empty when it is no domain name."""
    name = (name or "").strip().lower()
    if name.endswith("."):
        name = name[:-1]
    if name and not name.isascii():
        name = to_ascii_domain(name) or ""
    return name

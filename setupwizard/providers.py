"""The bundled provider database: one TOML file per mail provider.

The files live in the top-level ``providers/`` folder of the source checkout
and are shipped in the wheel as the package ``setupwizard.provider_data``.
``providers/README.md`` describes the format for the people who maintain the
data. This module reads the files, indexes them by domain and MX host name,
and turns a provider into an :class:`~setupwizard.models.AccountConfig` for
one address.

Two levels of strictness:

* :meth:`ProviderDatabase.load` refuses a file it cannot use (bad TOML, a
  key of the wrong type, a port out of range, a host name that is no host
  name) with :class:`~setupwizard.errors.ProviderDataError`. It tolerates
  what only lowers the quality of the data (a missing German hint, a missing
  source, a domain that two files claim - the first file in name order wins).
* :func:`validate` reports every problem, of both kinds, as a list of
  sentences; the test suite requires it to be empty.

Loading runs on every start, and parsing TOML is most of its cost. So the
folder also holds ``_bundle.json`` (written by ``scripts/providers_bundle.py``,
see :func:`bundle_text`): each file's parsed data together with the SHA-256
of the file's bytes. :meth:`ProviderDatabase.load` takes a file's data from
the bundle only when that hash matches the file as it is now, and parses the
TOML otherwise, so an out-of-date or missing bundle costs time, never
correctness. Hashing bytes is cheap; the checks of :func:`_build` run either
way. Nothing is ever written at run time.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Protocol as TypingProtocol

from .errors import ProviderDataError
from .models import (AccountConfig, EmailAddress, Hint, ProviderRef, Server, is_hostname,
                     to_ascii_domain)
from .placeholders import expand

__all__ = ["Provider", "ServerTemplate", "Citation", "ProviderDatabase", "validate",
           "default_location", "bundle_text", "compare_with_ispdb", "DomainComparison",
           "Difference", "BUNDLE_NAME", "STATUSES", "USER_AUTH", "SERVER_AUTH",
           "HINT_KINDS", "COMPARE_STATUSES"]

#: What a provider's ``status`` can say.
STATUSES = ("ready", "needs-preparation", "unusable")
#: What the user signs in with (provider-level ``auth``).
USER_AUTH = ("password", "app-password", "oauth2")
#: Server-level ``auth``: the clientConfig <authentication> values.
SERVER_AUTH = ("password-cleartext", "password-encrypted", "NTLM", "GSSAPI",
               "client-IP-address", "TLS-client-cert", "OAuth2", "none")
HINT_KINDS = ("info", "action", "warning")
SECURITIES = ("tls", "starttls", "plain")
PROTOCOLS = {"incoming": ("imap", "pop3"), "outgoing": ("smtp",)}

_TOP_KEYS = frozenset({"id", "name", "short_name", "domains", "mx_patterns", "subdomains",
                       "status", "auth", "web", "incoming", "outgoing", "hints", "sources"})
_SERVER_KEYS = frozenset({"protocol", "host", "port", "security", "username", "auth"})
#: POP3-only keys -> (type, Server.extra key, the same names clientconfig uses)
_POP3_KEYS: dict[str, tuple[type, str]] = {
    "leave_on_server": (bool, "leave_messages_on_server"),
    "days_on_server": (int, "days_to_leave_messages_on_server"),
    "check_interval_minutes": (int, "check_interval_minutes"),
}
_POP3_SERVER_KEYS = _SERVER_KEYS | frozenset(_POP3_KEYS)
_DEFAULT_AUTH = ["password-cleartext"]
_SERVER_AUTH_SET = frozenset(SERVER_AUTH)
_PLAIN_USERNAMES = frozenset({"%EMAILADDRESS%", "%EMAILLOCALPART%"})
_HINT_KEYS = frozenset({"id", "kind", "en", "de", "url"})
_SOURCE_KEYS = frozenset({"url", "what", "what_de", "checked"})

_ID = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")
_HINT_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PLACEHOLDER = re.compile(r"%[A-Za-z]*%?")
# A quick yes for ordinary host names; anything it rejects goes to
# models.is_hostname, which has the last word (loading stays fast).
_LABEL = r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)"
_HOSTNAME_FAST = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
# Stand-in address used to check that host templates expand to host names.
_SAMPLE = EmailAddress(local="user", domain="example.com", ascii_domain="example.com")

#: The pre-parsed copy of the TOML files, in the same folder.
BUNDLE_NAME = "_bundle.json"
_BUNDLE_FORMAT = 1

_SECURITY_RANK = {"tls": 0, "starttls": 1, "plain": 2}
_PROTOCOL_RANK = {"imap": 0, "pop3": 1, "smtp": 0}


# --------------------------------------------------------------------------
# The value objects

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


# --------------------------------------------------------------------------
# The database

class _Readable(TypingProtocol):
    """What we need of a file: pathlib.Path and importlib Traversable both fit."""

    name: str

    def read_bytes(self) -> bytes: ...


class ProviderDatabase:
    """All providers, indexed by id, domain and MX pattern.

    Build it with :meth:`load`; the constructor takes ready Provider objects
    (tests use that to make small databases).
    """

    def __init__(self, providers: Iterable[Provider] = (), *, location: str | None = None) -> None:
        self.location = location
        self._providers: list[Provider] = []
        self._by_id: dict[str, Provider] = {}
        self._by_domain: dict[str, Provider] = {}
        self._mx_exact: dict[str, Provider] = {}
        self._mx_suffix: dict[str, Provider] = {}  # "*.google.com" -> "google.com"
        for provider in providers:
            if provider.id in self._by_id:
                continue  # validate() reports it; first one wins
            self._providers.append(provider)
            self._by_id[provider.id] = provider
            for domain in provider.domains:
                self._by_domain.setdefault(domain, provider)
            for pattern in provider.mx_patterns:
                if pattern.startswith("*."):
                    self._mx_suffix.setdefault(pattern[2:], provider)
                else:
                    self._mx_exact.setdefault(pattern, provider)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "ProviderDatabase":
        """Read every ``*.toml`` file in ``path`` (default: the bundled
        database, see :func:`default_location`) and return the database.

        Raises ProviderDataError (``.path`` names the file) when a file cannot
        be read or parsed, or holds values of the wrong type or out of range.
        """
        folder = _folder(path)
        files = _toml_files(folder)
        bundle = _read_bundle(folder)
        providers = []
        for file in files:
            try:
                data = _read(file, bundle)
            except _Unreadable as exc:
                raise ProviderDataError(str(exc), path=str(file)) from None
            provider, problems = _build(data, file.name, path=str(file))
            fatal = [p.text for p in problems if p.fatal]
            if provider is None or fatal:
                raise ProviderDataError("; ".join(fatal) or "unusable provider file",
                                        path=str(file))
            providers.append(provider)
        return cls(providers, location=str(folder))

    def by_id(self, provider_id: str) -> Provider | None:
        """The provider with this id, or None."""
        return self._by_id.get(provider_id)

    def by_domain(self, ascii_domain: str) -> Provider | None:
        """The provider for the mail domain ``ascii_domain`` (IDNA form;
        Unicode is converted), or None.

        An exact entry wins. Otherwise the nearest parent domain that some
        provider lists decides: it matches only if that provider declares
        ``subdomains = true``.
        """
        domain = _normal_domain(ascii_domain)
        if not domain:
            return None
        found = self._by_domain.get(domain)
        if found is not None:
            return found
        labels = domain.split(".")
        for start in range(1, len(labels) - 1):
            parent = ".".join(labels[start:])
            found = self._by_domain.get(parent)
            if found is not None:
                return found if found.subdomains else None
        return None

    def by_mx(self, mx_host: str) -> Provider | None:
        """The provider whose ``mx_patterns`` match the MX host name
        ``mx_host``, or None. An exact pattern wins over wildcards; among
        wildcards the longest (most specific) one wins."""
        host = _normal_domain(mx_host)
        if not host:
            return None
        found = self._mx_exact.get(host)
        if found is not None:
            return found
        labels = host.split(".")
        for start in range(1, len(labels)):
            found = self._mx_suffix.get(".".join(labels[start:]))
            if found is not None:
                return found
        return None

    def __iter__(self) -> Iterator[Provider]:
        return iter(self._providers)

    def __len__(self) -> int:
        return len(self._providers)

    def __contains__(self, provider_id: object) -> bool:
        return provider_id in self._by_id

    def __repr__(self) -> str:
        return f"<ProviderDatabase {len(self)} providers from {self.location}>"


def default_location() -> Any:
    """The bundled provider folder: ``providers/`` next to the package in a
    source checkout, else the ``setupwizard.provider_data`` package of an
    installed wheel. Returns a Path or an importlib Traversable.
    Raises ProviderDataError when neither exists."""
    checkout = Path(__file__).resolve().parent.parent / "providers"
    if checkout.is_dir() and (checkout.parent / "pyproject.toml").is_file():
        return checkout
    try:
        from importlib.resources import files
        bundled = files("setupwizard.provider_data")
    except (ImportError, TypeError, ValueError) as exc:  # not installed with the data
        raise ProviderDataError(f"the provider database is missing ({exc})",
                                path=str(checkout)) from None
    if not bundled.is_dir():
        raise ProviderDataError("the provider database is missing", path=str(checkout))
    return bundled


def validate(path: str | Path | None = None) -> list[str]:
    """Check every provider file in ``path`` (default: the bundled database)
    and return the problems found, one sentence each, prefixed with the file
    name; an empty list means all is well. Never raises for bad data: a file
    that cannot be read is one problem like any other."""
    try:
        folder = _folder(path)
        files = _toml_files(folder)
    except ProviderDataError as exc:
        return [str(exc)]
    problems: list[str] = []
    ids: dict[str, str] = {}
    domains: dict[str, str] = {}
    patterns: dict[str, str] = {}
    for file in files:
        try:
            data = _read(file)
        except _Unreadable as exc:
            problems.append(f"{file.name}: {exc}")
            continue
        provider, found = _build(data, file.name)
        problems.extend(f"{file.name}: {p.text}" for p in found)
        if provider is None:
            continue
        if provider.id in ids:
            problems.append(f"{file.name}: id {provider.id!r} is also used by {ids[provider.id]}")
        ids.setdefault(provider.id, file.name)
        for domain in provider.domains:
            if domain in domains and domains[domain] != file.name:
                problems.append(f"{file.name}: domain {domain!r} is also listed in "
                                f"{domains[domain]}")
            domains.setdefault(domain, file.name)
        for pattern in provider.mx_patterns:
            if pattern in patterns and patterns[pattern] != file.name:
                problems.append(f"{file.name}: MX pattern {pattern!r} is also listed in "
                                f"{patterns[pattern]}")
            patterns.setdefault(pattern, file.name)
    return problems


# --------------------------------------------------------------------------
# Comparing with an ISPDB (for the people who maintain the data)

#: What a comparison of one domain can say.
COMPARE_STATUSES = ("same", "differs", "only-ours", "error")
#: Server fields compared, in this order; "server" means one side has no
#: server of that protocol at all.
COMPARED_FIELDS = ("host", "port", "security", "username")
#: Local part of the stand-in address servers are filled in for.
_COMPARE_LOCAL = "jo.sample"


@dataclass(frozen=True)
class Difference:
    """One way our first server of a protocol differs from the ISPDB's.

    ``field`` is one of :data:`COMPARED_FIELDS`, or ``"server"`` when only
    one side has a server of ``protocol`` (the other side's value is None;
    a present side is shown as ``host:port security``). User names are
    given as their form: ``%EMAILADDRESS%``, ``%EMAILLOCALPART%`` or the
    literal name."""

    protocol: str
    field: str
    ours: str | int | None
    ispdb: str | int | None


@dataclass(frozen=True)
class DomainComparison:
    """How our data for one domain compares with what an ISPDB says."""

    domain: str  # IDNA form, as the ISPDB file is named
    provider_id: str
    status: str  # see COMPARE_STATUSES
    differences: tuple[Difference, ...] = ()
    #: why "only-ours" or "error" (a Message or English text)
    detail: Any = ""


def compare_with_ispdb(database: ProviderDatabase, ispdb_url: str, *, network: Any,
                       timeout: float | None = None, workers: int = 8,
                       domains: Iterable[str] | None = None) -> list[DomainComparison]:
    """The synchronous form of :func:`compare_with_ispdb_async`, run on
    ``network``'s event loop (a :class:`setupwizard.net.Network`).
    ``timeout`` is accepted for compatibility and ignored: every limit comes
    from ``network.timeouts`` (the whole run: ``Timeouts.compare``)."""
    return network.run(compare_with_ispdb_async(database, ispdb_url, network=network,
                                                workers=workers, domains=domains))


async def compare_with_ispdb_async(database: ProviderDatabase, ispdb_url: str, *,
                                   network: Any, workers: int = 8,
                                   domains: Iterable[str] | None = None
                                   ) -> list[DomainComparison]:
    """Ask the ISPDB at ``ispdb_url`` about every domain of ``database`` (or
    only ``domains``, IDNA or Unicode form), at most ``workers`` at a time,
    and compare its answer with our data: for each protocol (IMAP, POP3,
    SMTP) our first server against the ISPDB server of that protocol that
    agrees with it most. Returns one DomainComparison per domain, in the
    order of the database. The whole run ends at ``network.timeouts.compare``;
    a domain not asked by then is an "error" comparison.

    The first domain is asked alone: when the ISPDB cannot be reached at all
    (no such host, connection refused or timed out, TLS failure) a
    NetworkError saying so is raised instead of the same failure being
    repeated for hundreds of domains. Later network errors become "error"
    comparisons. The ISPDB is asked exactly as discovery's ``ispdb`` source
    asks it (``discovery.ispdb.fetch_ispdb``).
    """
    import asyncio

    from .errors import HTTPError, NetworkError
    from .i18n import msg
    from .runtime import Deadline, gather_settled

    wanted = None if domains is None else {_normal_domain(d) for d in domains}
    jobs = [(domain, provider) for provider in database for domain in provider.domains
            if wanted is None or domain in wanted]
    if not jobs:
        return []
    deadline = Deadline(network.timeouts.compare)
    try:
        first = await _compare_domain(*jobs[0], ispdb_url, network, deadline, strict=True)
    except NetworkError as exc:
        if isinstance(exc, HTTPError):
            first = DomainComparison(jobs[0][0], jobs[0][1].id, "error", detail=exc.message)
        else:
            raise NetworkError(msg("cannot ask the ISPDB at {url}: {reason}", url=ispdb_url,
                                   reason=exc.message), host=exc.host) from None
    limit = asyncio.Semaphore(max(1, workers))

    async def one(domain: str, provider: Provider) -> DomainComparison:
        async with limit:
            return await _compare_domain(domain, provider, ispdb_url, network, deadline)

    results = await gather_settled([lambda d=d, p=p: one(d, p) for d, p in jobs[1:]],
                                   deadline=deadline)
    out = [first]
    for (domain, provider), result in zip(jobs[1:], results):
        if isinstance(result, DomainComparison):
            out.append(result)
        elif isinstance(result, BaseException):
            out.append(DomainComparison(domain, provider.id, "error",
                                        detail=getattr(result, "message", str(result))))
        else:
            out.append(DomainComparison(domain, provider.id, "error",
                                        detail=msg("no answer before the deadline")))
    return out


async def _compare_domain(domain: str, provider: Provider, ispdb_url: str, network: Any,
                          deadline: Any, *, strict: bool = False) -> DomainComparison:
    """Compare one domain; see compare_with_ispdb_async. Only an HTTP 404 or
    410 means "only ours". With ``strict``, a network failure (no such host,
    connection, TLS, timeout) is raised; otherwise it is an "error"."""
    from .discovery.base import Context, DiscoveryOptions
    from .discovery.ispdb import fetch_ispdb
    from .runtime import settle

    address = EmailAddress(local=_COMPARE_LOCAL, domain=domain, ascii_domain=domain)
    # fetch_ispdb never looks at a provider database
    ctx = Context(address=address, network=network,
                  options=DiscoveryOptions(ispdb_url=ispdb_url), deadline=deadline,
                  providers=None)  # type: ignore[arg-type]

    async def ask():
        return await fetch_ispdb(ctx, domain, source="ispdb",
                                 missing_host_is_not_found=False)
    outcome = await ask() if strict else await settle(ask, name="ispdb")
    if outcome.status == "not-found" and outcome.kind == "absent":
        return DomainComparison(domain, provider.id, "only-ours", detail=outcome.detail)
    if outcome.status not in ("found", "not-found"):
        return DomainComparison(domain, provider.id, "error", detail=outcome.detail)
    theirs = outcome.config or AccountConfig(incoming=(), outgoing=(), source="ispdb")
    differences = _differences(provider.config_for(address), theirs, address)
    return DomainComparison(domain, provider.id, "differs" if differences else "same",
                            differences=differences)


def _differences(ours: AccountConfig, theirs: AccountConfig,
                 address: EmailAddress) -> tuple[Difference, ...]:
    found: list[Difference] = []
    for protocol in ("imap", "pop3", "smtp"):
        mine = [_compared(s, address) for s in (*ours.incoming, *ours.outgoing)
                if s.protocol == protocol]
        other = [_compared(s, address) for s in (*theirs.incoming, *theirs.outgoing)
                 if s.protocol == protocol]
        if not mine and not other:
            continue
        if not mine or not other:
            present = (mine or other)[0]
            shown = f"{present['host']}:{present['port']} {present['security']}"
            found.append(Difference(protocol, "server", shown if mine else None,
                                    None if mine else shown))
            continue
        first = mine[0]
        # the ISPDB server agreeing most with our first one; the earliest on a tie
        closest = max(other, key=lambda s: sum(s[k] == first[k] for k in COMPARED_FIELDS))
        found.extend(Difference(protocol, key, first[key], closest[key])
                     for key in COMPARED_FIELDS if first[key] != closest[key])
    return tuple(found)


def _compared(server: Server, address: EmailAddress) -> dict[str, str | int]:
    username = server.username or ""
    if username.lower() in (address.text.lower(), address.ascii.lower()):
        username = "%EMAILADDRESS%"
    elif username == address.local:
        username = "%EMAILLOCALPART%"
    return {"host": server.host.lower().rstrip("."), "port": server.port,
            "security": server.security, "username": username}


# --------------------------------------------------------------------------
# Reading files

def _folder(path: str | Path | None) -> Any:
    if path is None:
        return default_location()
    folder = Path(path)
    if not folder.is_dir():
        raise ProviderDataError("not a folder of provider files", path=str(folder))
    return folder


def _toml_files(folder: Any) -> list[_Readable]:
    try:
        entries = list(folder.iterdir())
    except OSError as exc:
        raise ProviderDataError(f"cannot list the folder ({exc.strerror or exc})",
                                path=str(folder)) from None
    return sorted((e for e in entries if e.name.endswith(".toml") and not e.name.startswith(".")),
                  key=lambda e: e.name)


class _Unreadable(Exception):
    """A file could not be read as TOML; the message says why."""


#: file name -> (SHA-256 of its bytes, its parsed data)
_Bundle = dict[str, tuple[str, dict]]


def _read(file: _Readable, bundle: _Bundle | None = None) -> dict:
    """The TOML data of ``file``: from ``bundle`` when it holds this file
    with the hash of its current bytes, else parsed. Raises _Unreadable."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise _Unreadable(f"cannot read the file ({exc.strerror or exc})") from None
    if bundle:
        entry = bundle.get(file.name)
        if entry is not None:
            import hashlib
            if hashlib.sha256(raw).hexdigest() == entry[0]:
                return entry[1]
    return _parse(raw)


def _parse(raw: bytes) -> dict:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Unreadable(f"not UTF-8 text (byte {exc.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _Unreadable(f"not valid TOML: {exc}") from None


def _read_bundle(folder: Any) -> _Bundle:
    """The bundle in ``folder``; empty when there is none or it is unusable
    (the files are then parsed: slower, never wrong)."""
    import json
    try:
        data = json.loads(folder.joinpath(BUNDLE_NAME).read_bytes())
    except (OSError, ValueError, KeyError):  # missing, unreadable, not JSON
        return {}
    if not isinstance(data, dict) or data.get("format") != _BUNDLE_FORMAT \
            or not isinstance(data.get("files"), dict):
        return {}
    return {name: (entry[0], entry[1]) for name, entry in data["files"].items()
            if type(entry) is list and len(entry) == 2 and type(entry[0]) is str
            and type(entry[1]) is dict}


def bundle_text(path: str | Path | None = None) -> str:
    """The content ``_bundle.json`` should have for the TOML files in
    ``path`` (default: the bundled database): for each file that parses,
    the SHA-256 of its bytes and its data. The text depends only on the
    files, so a test can compare it with the committed bundle. A file whose
    data JSON cannot carry exactly (a TOML date or time, nan) or that does
    not parse is left out: the loader parses it itself.
    Raises ProviderDataError when the folder cannot be read."""
    import hashlib
    import json

    folder = _folder(path)
    entries = []
    for file in _toml_files(folder):
        try:
            raw = file.read_bytes()
            data = _parse(raw)
        except (OSError, _Unreadable):
            continue
        try:
            text = json.dumps([hashlib.sha256(raw).hexdigest(), data], ensure_ascii=False,
                              separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError):
            continue
        if json.loads(text)[1] != data:
            continue
        entries.append(f"{json.dumps(file.name, ensure_ascii=False)}:{text}")
    head = (f'{{"format":{_BUNDLE_FORMAT},"about":"Parsed copy of the provider files; '
            f'written by scripts/providers_bundle.py, do not edit.","files":{{')
    return head + "\n" + ",\n".join(entries) + "\n}}\n"


@dataclass(frozen=True)
class _Problem:
    text: str
    fatal: bool


class _Checker:
    """Collects problems while building objects from one file's data."""

    def __init__(self) -> None:
        self.problems: list[_Problem] = []

    def error(self, text: str) -> None:
        """Something load() cannot accept."""
        self.problems.append(_Problem(text, True))

    def warn(self, text: str) -> None:
        """Something only validate() complains about."""
        self.problems.append(_Problem(text, False))

    def unknown_keys(self, table: dict, allowed: Iterable[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                prefix = f"{where}: " if where else ""
                self.warn(f"{prefix}unknown key {key!r}")

    def string(self, table: dict, key: str, where: str, *, required: bool = True,
               default: str | None = None) -> str | None:
        value = table.get(key)
        if type(value) is str and (value or not required):  # the usual case, quickly
            if not required or value.strip():
                return value
        label = f"{where}.{key}" if where else key
        if value is None:
            if required:
                self.error(f"{label} is missing")
            return default
        if not isinstance(value, str):
            self.error(f"{label} must be a string")
            return default
        self.error(f"{label} is empty")
        return default

    def strings(self, table: dict, key: str, where: str = "") -> list[str]:
        value = table.get(key, [])
        if type(value) is not list or not all(type(v) is str for v in value):
            label = f"{where}.{key}" if where else key
            self.error(f"{label} must be a list of strings")
            return []
        return value

    def tables(self, table: dict, key: str) -> list[dict]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.error(f"{key} must be an array of tables ([[{key}]])")
            return []
        return value


def _build(data: dict, file_name: str, path: str | None = None
           ) -> tuple[Provider | None, list[_Problem]]:
    """Build a Provider from one file's TOML data; return it (None when the
    data is too broken) and every problem found."""
    check = _Checker()
    check.unknown_keys(data, _TOP_KEYS, "")

    provider_id = check.string(data, "id", "")
    if provider_id is not None:
        if not _ID.fullmatch(provider_id):
            check.error(f"id {provider_id!r} must be lower-case letters, digits, dots "
                        "and hyphens")
        elif file_name != provider_id + ".toml":
            check.warn(f"the file should be called {provider_id}.toml")
    name = check.string(data, "name", "")
    short_name = check.string(data, "short_name", "", required=False, default=name)

    status = check.string(data, "status", "")
    if status is not None and status not in STATUSES:
        check.error(f"status {status!r} is not one of {', '.join(STATUSES)}")

    auth = check.strings(data, "auth")
    if "auth" not in data:
        check.error("auth is missing")
    for value in auth:
        if value not in USER_AUTH:
            check.error(f"auth {value!r} is not one of {', '.join(USER_AUTH)}")
    if status != "unusable" and "auth" in data and not auth:
        check.warn("auth is empty: say how users sign in")

    subdomains = data.get("subdomains", False)
    if not isinstance(subdomains, bool):
        check.error("subdomains must be true or false")
        subdomains = False

    web = check.string(data, "web", "", required=False)
    if web is not None and not web.startswith("https://"):
        check.warn(f"web {web!r} should be an https:// address")

    written = check.strings(data, "domains")
    domains = []
    for domain in written:
        ascii_domain = _domain_key(domain)
        if ascii_domain is None:
            check.error(f"domain {domain!r} is not a valid domain name")
        elif ascii_domain in domains:
            check.warn(f"domain {domain!r} is listed twice")
        else:
            domains.append(ascii_domain)

    patterns = []
    for pattern in check.strings(data, "mx_patterns"):
        normal = pattern.strip().lower().rstrip(".")
        problem = _pattern_problem(normal)
        if problem:
            check.error(f"MX pattern {pattern!r} {problem}")
        elif normal in patterns:
            check.warn(f"MX pattern {pattern!r} is listed twice")
        else:
            patterns.append(normal)
    if not domains and not patterns:
        check.warn("neither domains nor mx_patterns: nothing can find this provider")

    servers = {}
    for direction in ("incoming", "outgoing"):
        servers[direction] = tuple(
            s for s in (_server(check, table, direction, i)
                        for i, table in enumerate(check.tables(data, direction)))
            if s is not None)
        _check_order(check, servers[direction], direction)
        if status in ("ready", "needs-preparation") and not servers[direction]:
            check.warn(f"no {direction} server, but status is {status!r}")
    if "oauth2" in auth and not any("OAuth2" in s.auth for s in
                                    servers["incoming"] + servers["outgoing"]):
        check.warn("auth says oauth2, but no server lists OAuth2")

    hints = []
    seen_hints: set[str] = set()
    for i, table in enumerate(check.tables(data, "hints")):
        hint = _hint(check, table, i)
        if hint is not None:
            if hint.id in seen_hints:
                check.warn(f"hints[{i}]: id {hint.id!r} is used twice")
            seen_hints.add(hint.id)
            hints.append(hint)

    sources = []
    for i, table in enumerate(check.tables(data, "sources")):
        source = _source(check, table, i)
        if source is not None:
            sources.append(source)
    if not sources:
        check.warn("no [[sources]]: name the public page each fact comes from")

    if provider_id is None or name is None or status is None:
        return None, check.problems
    provider = Provider(
        id=provider_id, name=name, short_name=short_name or name, status=status,
        auth=tuple(auth), domains=tuple(domains), mx_patterns=tuple(patterns),
        subdomains=subdomains, web=web, incoming=servers["incoming"],
        outgoing=servers["outgoing"], hints=tuple(hints), sources=tuple(sources),
        domains_as_written=tuple(written), path=path)
    return provider, check.problems


def _server(check: _Checker, table: dict, direction: str, index: int) -> ServerTemplate | None:
    # The common case - a plain, correct entry - without building any message.
    host = table.get("host")
    port = table.get("port")
    username = table.get("username", "%EMAILADDRESS%")
    auth = table.get("auth", _DEFAULT_AUTH)
    if (table.get("protocol") in PROTOCOLS[direction] and table.keys() <= _SERVER_KEYS
            and type(host) is str and "%" not in host and host == host.strip().lower()
            and "." in host and _is_hostname(host)
            and type(port) is int and 0 < port < 65536
            and table.get("security") in _SECURITY_RANK
            and username in _PLAIN_USERNAMES
            and type(auth) is list and auth and all(a in _SERVER_AUTH_SET for a in auth)):
        return ServerTemplate(protocol=table["protocol"], host=host, port=port,
                              security=table["security"], username=username,
                              auth=tuple(auth))
    return _server_checked(check, table, direction, index)


def _server_checked(check: _Checker, table: dict, direction: str,
                    index: int) -> ServerTemplate | None:
    where = f"{direction}[{index}]"
    protocol = check.string(table, "protocol", where)
    check.unknown_keys(table, _POP3_SERVER_KEYS if protocol == "pop3" else _SERVER_KEYS, where)
    broken = False
    if protocol is not None and protocol not in PROTOCOLS[direction]:
        check.error(f"{where}.protocol {protocol!r} is not one of "
                    f"{', '.join(PROTOCOLS[direction])}")
        broken = True

    host = check.string(table, "host", where)
    if host is not None:
        problem = _host_problem(host)
        if problem:
            check.error(f"{where}.host {host!r} {problem}")
            broken = True

    port = table.get("port")
    if port is None:
        check.error(f"{where}.port is missing")
        broken = True
    elif not isinstance(port, int) or isinstance(port, bool):
        check.error(f"{where}.port must be a whole number")
        broken = True
    elif not 1 <= port <= 65535:
        check.error(f"{where}.port {port} is not between 1 and 65535")
        broken = True

    security = check.string(table, "security", where)
    if security is not None and security not in SECURITIES:
        check.error(f"{where}.security {security!r} is not one of {', '.join(SECURITIES)}")
        broken = True

    username = check.string(table, "username", where, required=False,
                            default="%EMAILADDRESS%")
    if username is not None and "%" in username:
        for token in _PLACEHOLDER.findall(username):
            if token.strip("%").upper() not in ("EMAILADDRESS", "EMAILLOCALPART",
                                                "EMAILDOMAIN") or not (
                    token.startswith("%") and token.endswith("%") and len(token) > 2):
                check.warn(f"{where}.username {username!r}: placeholder {token!r} is not "
                           "%EMAILADDRESS%, %EMAILLOCALPART% or %EMAILDOMAIN%")

    auth = check.strings(table, "auth", where) if "auth" in table else ["password-cleartext"]
    for value in auth:
        if value not in SERVER_AUTH:
            check.error(f"{where}.auth {value!r} is not one of {', '.join(SERVER_AUTH)}")
            broken = True
    if "auth" in table and not auth:
        check.error(f"{where}.auth is empty")
        broken = True

    extra = []
    if protocol == "pop3":
        for key, (kind, extra_key) in _POP3_KEYS.items():
            if key not in table:
                continue
            value = table[key]
            if kind is bool and not isinstance(value, bool):
                check.error(f"{where}.{key} must be true or false")
                broken = True
            elif kind is int and (not isinstance(value, int) or isinstance(value, bool)
                                  or value < 0):
                check.error(f"{where}.{key} must be a whole number, 0 or more")
                broken = True
            else:
                extra.append((extra_key, value))

    if broken or None in (protocol, host, security):
        return None
    host = host.strip()
    if "%" not in host:  # placeholders keep their capitals; server_for lowers the result
        host = host.lower()
    return ServerTemplate(protocol=protocol, host=host, port=port,  # type: ignore[arg-type]
                          security=security, username=username or "%EMAILADDRESS%",  # type: ignore[arg-type]
                          auth=tuple(auth), extra=tuple(extra))


def _check_order(check: _Checker, servers: tuple[ServerTemplate, ...], direction: str) -> None:
    ranks = [(_PROTOCOL_RANK[s.protocol], _SECURITY_RANK[s.security]) for s in servers]
    for i in range(1, len(ranks)):
        if ranks[i] < ranks[i - 1]:
            check.warn(f"{direction}[{i}] should come before {direction}[{i - 1}]: list IMAP "
                       "before POP3, and implicit TLS before STARTTLS before plain")
            return


def _hint(check: _Checker, table: dict, index: int) -> Hint | None:
    en, de, url = table.get("en"), table.get("de"), table.get("url")
    if (table.keys() <= _HINT_KEYS and type(en) is str and type(de) is str
            and en.strip() and de.strip() and "\n" not in en and "\n" not in de
            and table.get("kind", "info") in HINT_KINDS
            and (url is None or (type(url) is str and url.startswith("https://")))
            and type(table.get("id")) is str and _HINT_ID.fullmatch(table["id"])):
        return Hint(id=table["id"], text={"en": en.strip(), "de": de.strip()}, url=url,
                    kind=table.get("kind", "info"))
    return _hint_checked(check, table, index)


def _hint_checked(check: _Checker, table: dict, index: int) -> Hint | None:
    where = f"hints[{index}]"
    check.unknown_keys(table, _HINT_KEYS, where)
    hint_id = check.string(table, "id", where)
    if hint_id is not None and not _HINT_ID.fullmatch(hint_id):
        check.error(f"{where}.id {hint_id!r} must be lower-case letters, digits and hyphens")
    kind = check.string(table, "kind", where, required=False, default="info")
    if kind not in HINT_KINDS:
        check.error(f"{where}.kind {kind!r} is not one of {', '.join(HINT_KINDS)}")
    text = {}
    for lang, language in (("en", "English"), ("de", "German")):
        value = table.get(lang)
        if value is None or (isinstance(value, str) and not value.strip()):
            check.warn(f"{where} ({hint_id}) has no {language} text ({lang})")
        elif not isinstance(value, str):
            check.error(f"{where}.{lang} must be a string")
        else:
            text[lang] = " ".join(value.split())
    url = check.string(table, "url", where, required=False)
    if url is not None and not url.startswith("https://"):
        check.warn(f"{where}.url {url!r} should be an https:// address")
    if hint_id is None or not text or kind not in HINT_KINDS:
        return None
    return Hint(id=hint_id, text=text, url=url, kind=kind)  # type: ignore[arg-type]


def _source(check: _Checker, table: dict, index: int) -> Citation | None:
    where = f"sources[{index}]"
    check.unknown_keys(table, _SOURCE_KEYS, where)
    url = check.string(table, "url", where, required=False)
    what = check.string(table, "what", where, required=False)
    what_de = check.string(table, "what_de", where, required=False)
    checked = table.get("checked")
    if isinstance(checked, datetime.date):  # written without quotes: a TOML date
        checked = checked.isoformat()
    if url is None or not url.startswith("https://"):
        check.warn(f"{where}.url must be an https:// address of a public page")
    if not what:
        check.warn(f"{where}.what should say which facts the page gives")
    if not isinstance(checked, str) or not _DATE.fullmatch(checked):
        check.warn(f"{where}.checked must be the date you read the page, as \"YYYY-MM-DD\"")
        checked = None
    else:
        try:
            datetime.date.fromisoformat(checked)
        except ValueError:
            check.warn(f"{where}.checked {checked!r} is not a real date")
    if url is None:
        return None
    return Citation(url=url, what=what or "", checked=checked or "", what_de=what_de or "")


# --------------------------------------------------------------------------
# Names

def _is_hostname(name: str) -> bool:
    if len(name) <= 253 and _HOSTNAME_FAST.fullmatch(name):
        return True
    return is_hostname(name)


def _normal_domain(name: str) -> str:
    name = (name or "").strip().lower()
    if name.endswith("."):
        name = name[:-1]
    if name and not name.isascii():
        name = to_ascii_domain(name) or ""
    return name


def _domain_key(domain: str) -> str | None:
    """IDNA form of a domain from a file, or None if it is not a domain.
    ASCII names skip the (slow) IDNA codec: loading stays fast."""
    domain = domain.strip().lower()
    if domain.isascii():
        if domain.startswith("xn--") or ".xn--" in domain:
            return to_ascii_domain(domain)
        return domain if "." in domain and not domain.endswith(".") and \
            _is_hostname(domain) else None
    return to_ascii_domain(domain)


def _pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a valid MX pattern, or None."""
    rest = pattern[2:] if pattern.startswith("*.") else pattern
    if "*" in rest:
        return "may only use * as the whole leftmost label (*.example.com)"
    if not rest.isascii() or "." not in rest or not _is_hostname(rest):
        return "is not a host name with at least two labels"
    return None


def _host_problem(host: str) -> str | None:
    """Why the host template ``host`` cannot become a host name, or None."""
    expanded = host
    if "%" in host:
        expanded, repairs = expand(host, _SAMPLE)
        if repairs:
            return "has a malformed placeholder"
        if "%" in expanded:
            return "has an unknown placeholder"
    expanded = expanded.strip().lower()
    if not expanded.isascii():
        expanded = to_ascii_domain(expanded) or ""
    if "." not in expanded or not _is_hostname(expanded):
        return "is not a host name"
    return None

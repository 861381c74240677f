"""The options of the commands: typed, immutable, built once from argv and
the environment; ``argparse.Namespace`` goes no further than ``cli/``.

``NetOptions`` (how to reach the network: ``--dns-server``, ``--ca-file``,
``--timeout``, the hosts the user named) and ``DiscoveryOptions`` (what to
ask: ``--only``, ``--offline``, ``--ispdb-url``; no time limits, those come
from ``network.timeouts``) are built here for every command that needs them;
one dataclass per command holds the rest. Not on the ``--help`` path (it
imports dataclasses).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..discovery.base import DiscoveryOptions
    from ..i18n import Translator
    from ..net import NetOptions

@dataclass(frozen=True)
class DiagnoseCommand:
    """Everything ``diagnose`` needs, built once from argv and environment."""

    address: str
    servers: tuple
    username: str | None
    login: bool
    secret_source: str  # none | stdin | token-stdin | env | prompt
    allow_insecure_password: bool
    output: str  # text | json | markdown
    transcript: bool
    net: "NetOptions"
    discovery: "DiscoveryOptions"
    #: --trust-discovered: the user vouches for discovered servers (trust.py)
    trust_discovered: bool = False

@dataclass(frozen=True)
class DiscoverCommand:
    """Everything ``discover`` needs, built once from argv."""

    addresses: tuple[str, ...]
    json: bool
    net: "NetOptions"
    discovery: "DiscoveryOptions"

@dataclass(frozen=True)
class ExportCommand:
    """Everything ``export`` needs, built once from argv and environment."""

    address: str | None
    #: --domain: write the hosting kit for this domain (as typed, lower case)
    domain: str | None
    #: as asked for, "all" included (unavailable formats fail only when named)
    formats: tuple[str, ...]
    out_dir: str
    servers: tuple
    protocol: str | None
    display_name: str | None
    username: str | None
    #: None: no password in the files; else stdin | env | prompt
    secret_source: str | None
    #: (certificate, key, chain or None) PEM paths for signing the Apple profile
    signing: tuple[str, str, str | None] | None
    web_host: str | None
    net: "NetOptions"
    discovery: "DiscoveryOptions"
    #: --trust-discovered: the user vouches for discovered servers (trust.py)
    trust_discovered: bool = False

@dataclass(frozen=True)
class ProvidersCommand:
    """Everything ``providers`` needs, built once from argv."""

    action: str  # list | show | validate | compare
    json: bool
    #: show: an id, a domain or an address
    target: str | None = None
    #: list, show, validate: another folder of provider files
    path: str | None = None
    ispdb_url: str | None = None
    net: "NetOptions | None" = None

@dataclass(frozen=True)
class CheckDomainCommand:
    """Everything ``check-domain`` needs, built once from argv."""

    domain: str
    json: bool
    net: "NetOptions"
    discovery: "DiscoveryOptions"


# -- the shared options, built from argv ---------------------------------------

def net_options(args, tr: "Translator") -> "NetOptions":
    """NetOptions from ``--dns-server``, ``--ca-file``, ``--timeout`` and the
    hosts named in URLs; UsageError for a bad value."""
    from ..net import NetOptions, parse_dns_server
    servers = tuple(parse_dns_server(s) for s in args.dns_server)
    if args.ca_file is not None and not os.path.isfile(args.ca_file):
        raise UsageError(tr("CA file not found: {path}").format(path=args.ca_file))
    if not 0 < args.timeout <= 300:
        raise UsageError(tr("--timeout must be between 0 and 300 seconds"))
    return NetOptions(dns_servers=servers, ca_file=args.ca_file, timeout=args.timeout,
                      redirect_allowed=named_hosts(args))


def named_hosts(args) -> tuple[str, ...]:
    """Hosts the user named in a URL (``--ispdb-url``): a redirect may lead
    to their addresses even when those are internal. ``--dns-server`` is no
    such allowance: it says who answers names, not where to go."""
    from urllib.parse import urlsplit
    url = getattr(args, "ispdb_url", None)
    try:
        host = urlsplit(url).hostname if url else None
    except ValueError:
        host = None
    return (host,) if host else ()


def discovery_options(args, tr: "Translator", **extra) -> "DiscoveryOptions":
    """DiscoveryOptions from the flags every discovering command shares
    (``--ispdb-url``) and ``extra`` (``only``, ``offline``)."""
    from ..discovery import DEFAULT_ISPDB_URL, DiscoveryOptions
    ispdb = getattr(args, "ispdb_url", None) or DEFAULT_ISPDB_URL
    if not ispdb.startswith(("https://", "http://")):
        raise UsageError(tr("--ispdb-url must start with https:// or http://"))
    return DiscoveryOptions(ispdb_url=ispdb, **extra)


def servers_from_args(args) -> tuple:
    """The servers named with --imap, --pop3 and --smtp (UsageError if bad)."""
    from ..diagnostics import parse_server_spec
    return tuple(parse_server_spec(getattr(args, p), p) for p in ("imap", "pop3", "smtp")
                 if getattr(args, p, None))


def checked_address(text: str, tr: "Translator"):
    """The EmailAddress ``text`` names; a UsageError in the user's language
    when it is malformed (a typo is a usage error, not "nothing found")."""
    from ..errors import InvalidAddress
    from ..models import EmailAddress
    from ..ui.discovery_view import invalid_address_text
    try:
        return EmailAddress.parse(text)
    except InvalidAddress as exc:
        raise UsageError(invalid_address_text(exc, tr)) from None

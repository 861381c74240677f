"""The options objects of the commands, built once from argv in cli.py.

Kept apart so that `setupwizard --help` does not import dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    net: "object"
    discovery: "object"
    #: --trust-discovered: the user vouches for discovered servers (trust.py)
    trust_discovered: bool = False

@dataclass(frozen=True)
class DiscoverCommand:
    """Everything ``discover`` needs, built once from argv."""

    addresses: tuple[str, ...]
    json: bool
    net: "object"
    discovery: "object"

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
    net: "object"
    discovery: "object"
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
    net: "object" = None

@dataclass(frozen=True)
class CheckDomainCommand:
    """Everything ``check-domain`` needs, built once from argv."""

    domain: str
    json: bool
    net: "object"
    discovery: "object"


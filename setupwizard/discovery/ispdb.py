"""Source ``ispdb``: the central database of mail settings (Thunderbird's)."""

from __future__ import annotations

from functools import partial
from urllib.parse import quote, urlsplit

from .autoconfig import fetch_clientconfig
from .base import Context, Outcome


def ispdb_url(base: str, domain: str) -> str:
    return base.rstrip("/") + "/" + quote(domain, safe="")


async def fetch_ispdb(ctx: Context, domain: str, *, source: str, trusted: bool = True,
                      missing_host_is_not_found: bool = True) -> Outcome:
    """Ask the ISPDB at ``ctx.options.ispdb_url`` about ``domain``; see
    ``autoconfig.fetch_clientconfig`` for what it returns and raises (also
    used by ``providers compare``)."""
    base = ctx.options.ispdb_url
    if urlsplit(base).scheme != "https":
        trusted = False  # a plain-http mirror proves nothing
    # a redirect away from the ISPDB's domain makes the answer untrusted, as
    # for every other source (fetch_clientconfig warns about it)
    return await fetch_clientconfig(ctx, ispdb_url(base, domain), source=source,
                                    trusted=trusted, site=partial(_site, urlsplit(base).hostname or ""),
                                    missing_host_is_not_found=missing_host_is_not_found)


def _site(host: str) -> str:
    """The registrable domain of the ISPDB host (the host itself for an IP
    address); an ISPDB on several of its own host names stays trusted."""
    import ipaddress

    from .psl import registrable_domain
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        return registrable_domain(host) or host


class ISPDBSource:
    name = "ispdb"

    async def run(self, ctx: Context) -> Outcome:
        return await fetch_ispdb(ctx, ctx.domain, source=self.name)

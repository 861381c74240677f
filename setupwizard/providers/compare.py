"""Comparing the provider database with an ISPDB (for the people who
maintain the data).

The ISPDB is asked exactly as discovery's ``ispdb`` source asks it
(:func:`setupwizard.discovery.ispdb.fetch_ispdb`): this module has no
network code of its own, only the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ..models import AccountConfig, EmailAddress, Server
from .database import ProviderDatabase
from .model import Provider, normal_domain

__all__ = ["compare_with_ispdb", "compare_with_ispdb_async", "DomainComparison", "Difference",
           "COMPARE_STATUSES", "COMPARED_FIELDS"]

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

    from ..errors import HTTPError, NetworkError
    from ..i18n import msg
    from ..runtime import Deadline, gather_settled

    wanted = None if domains is None else {normal_domain(d) for d in domains}
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
    from ..discovery.base import Context, DiscoveryOptions
    from ..discovery.ispdb import fetch_ispdb
    from ..runtime import settle

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


"""Source ``guess``: try the usual server names on the standard ports.

Runs only when every other source found nothing (or with ``--only guess``).
Each candidate is probed with the diagnostics engine - connect, TLS with a
verified certificate, greeting, capabilities - but never logs in. Every
name is resolved at once and every candidate probed at once (bounded by a
semaphore), as tasks of the one loop, so a dead domain costs about one
timeout. A name whose lookup failed because the DNS server did (a timeout,
SERVFAIL...) is not a name that does not exist: then the outcome is a DNS
error or timeout, never "none of the usual names exist".
Results are untrusted: a name answering is no proof it serves this domain.
"""

from __future__ import annotations

import asyncio

from ..errors import DNS_SERVER_TROUBLE, DNS_TIMEOUT, DNSError
from ..i18n import msg
from ..models import AccountConfig, Outcome, Server, check_hostname
from ..runtime import gather_settled
from .base import Context

INCOMING_NAMES = {"imap": ("imap", "mail", ""), "pop3": ("pop3", "pop", "mail", "")}
OUTGOING_NAMES = ("smtp", "mail", "")
SECURITY_RANK = {"tls": 0, "starttls": 1, "plain": 2}
PROTOCOL_RANK = {"imap": 0, "pop3": 1, "smtp": 0}
PORTS = {("imap", "tls"): 993, ("imap", "starttls"): 143, ("pop3", "tls"): 995,
         ("pop3", "starttls"): 110, ("smtp", "tls"): 465, ("smtp", "starttls"): 587}
MAX_PARALLEL = 24


def candidates(domain: str) -> list[Server]:
    """Every (name, port, security) to try, best first."""
    out: list[Server] = []
    for security in ("tls", "starttls"):
        for protocol, names in INCOMING_NAMES.items():
            for prefix in names:
                host = f"{prefix}.{domain}" if prefix else domain
                if check_hostname(host) != host:
                    continue  # a long domain plus a prefix can pass 253 characters
                out.append(Server(protocol, host, PORTS[(protocol, security)], security,
                                  source="guess", trusted=False))
        for prefix in OUTGOING_NAMES:
            host = f"{prefix}.{domain}" if prefix else domain
            if check_hostname(host) != host:
                continue
            out.append(Server("smtp", host, PORTS[("smtp", security)], security,
                              source="guess", trusted=False))
    return out


def _rank(server: Server) -> tuple:
    return (SECURITY_RANK[server.security], PROTOCOL_RANK[server.protocol])


class GuessSource:
    name = "guess"

    async def run(self, ctx: Context) -> Outcome:
        """Resolve every candidate name at once, then probe the candidates
        that have an address (at most MAX_PARALLEL at a time), without
        logging in. Returns found (untrusted) or not-found; raises DNSError
        when no server was found and the DNS itself failed for a name (a
        name whose lookup timed out is not a name that does not exist)."""
        from ..diagnostics.connection import Transcript
        from ..diagnostics.engine import LoginClaim, Probe, ProbeOptions

        everything = candidates(ctx.domain)
        names = sorted({c.host for c in everything})

        def lookup(name: str):
            return lambda: ctx.network.dns.resolve_host(name, timeout=ctx.step())

        answers = await gather_settled([lookup(n) for n in names], deadline=ctx.deadline)
        resolved: dict[str, list[str]] = {}
        trouble: list[DNSError] = []
        for name, answer in zip(names, answers):
            if isinstance(answer, list) and answer:
                resolved[name] = answer
            elif answer is None:  # the lookup's deadline cut it off
                trouble.append(DNSError(msg("DNS lookup of {name} timed out", name=name),
                                        kind=DNS_TIMEOUT, name=name))
            elif isinstance(answer, DNSError):
                if answer.kind in DNS_SERVER_TROUBLE:
                    trouble.append(answer)
            elif isinstance(answer, BaseException):
                raise answer
        todo = [c for c in everything if c.host in resolved]
        if not todo:
            if trouble:
                raise _dns_trouble(ctx.domain, trouble)
            return Outcome.not_found(msg("none of the usual server names exist under "
                                         "{domain}", domain=ctx.domain))
        options = ProbeOptions(login=False)
        limit = asyncio.Semaphore(MAX_PARALLEL)

        async def probe(server: Server) -> str:
            """ok | plain | failed"""
            async with limit:
                address = resolved[server.host][0]
                checks = await Probe(server, address, network=ctx.network, credentials=None,
                                     options=options, transcript=Transcript(enabled=False),
                                     claim=LoginClaim([address]),
                                     deadline=ctx.deadline).run()
            failed = [c.id for c in checks if c.status == "fail"]
            if not failed:
                return "ok"
            if failed == ["starttls.not-offered"]:
                return "plain"
            return "failed"

        results = await gather_settled([lambda s=s: probe(s) for s in todo],
                                       deadline=ctx.deadline)
        found: list[Server] = []
        for server, result in zip(todo, results):
            if result == "ok":
                found.append(server.with_(username=ctx.address.ascii))
            elif result == "plain":
                found.append(server.with_(security="plain", username=ctx.address.ascii))
        incoming = _best_per_protocol([s for s in found if s.protocol != "smtp"])
        outgoing = _best_per_protocol([s for s in found if s.protocol == "smtp"])
        if not incoming and not outgoing:
            if trouble:
                raise _dns_trouble(ctx.domain, trouble)
            return Outcome.not_found(msg("no server answered on the usual names and ports "
                                         "of {domain}", domain=ctx.domain))
        config = AccountConfig(incoming=tuple(incoming), outgoing=tuple(outgoing),
                               source=self.name, trusted=False)
        warning = msg("These servers were found by trying common names. The username is a "
                      "guess (the full address); sign-in will tell.")
        return Outcome.found(config, msg("servers that answered: {count}", count=len(found)),
                             (warning,))


def _dns_trouble(domain: str, trouble: list[DNSError]) -> DNSError:
    """One DNSError for names the DNS server could not answer: a timeout
    when any lookup timed out, else the first failure's kind."""
    first = next((e for e in trouble if e.kind == "timeout"), trouble[0])
    return DNSError(msg("the usual server names of {domain} could not be found: "
                        "{reason}", domain=domain, reason=first.message),
                    kind=first.kind, name=first.name)


def _best_per_protocol(servers: list[Server]) -> list[Server]:
    """The best server of each protocol, in rank order (candidates are already
    in name order within a rank, and sorted() keeps that order)."""
    best: dict[str, Server] = {}
    for server in sorted(servers, key=_rank):
        best.setdefault(server.protocol, server)
    return sorted(best.values(), key=_rank)

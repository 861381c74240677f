"""Source ``guess``: try the usual server names on the standard ports.

Runs only when every other source found nothing (or with ``--only guess``).
Each candidate is probed with the diagnostics engine - connect, TLS with a
verified certificate, greeting, capabilities - but never logs in. All
candidates run at once (bounded), so a dead domain costs about one timeout.
Results are untrusted: a name answering is no proof it serves this domain.
"""

from __future__ import annotations

import threading

from ..errors import DNSError
from ..i18n import msg
from ..models import AccountConfig, Server, check_hostname
from .base import Context, Outcome, gather

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

    def run(self, ctx: Context) -> Outcome:
        from ..diagnostics.connection import Transcript
        from ..diagnostics.engine import LoginClaim, Probe, ProbeOptions

        limit = threading.BoundedSemaphore(MAX_PARALLEL)
        resolved: dict[str, list[str] | None] = {}
        lock = threading.Lock()
        names = sorted({c.host for c in candidates(ctx.domain)})

        def resolve(name: str) -> None:
            try:
                addresses = ctx.network.resolve_host(name, timeout=ctx.timeout,
                                                     deadline=ctx.deadline)
            except DNSError:
                addresses = None
            with lock:
                resolved[name] = addresses

        gather(ctx, [lambda n=n: resolve(n) for n in names], name="guess-dns")
        todo = [c for c in candidates(ctx.domain) if resolved.get(c.host)]
        if not todo:
            return Outcome.not_found(msg("none of the usual server names exist under "
                                         "{domain}", domain=ctx.domain))
        options = ProbeOptions(login=False, timeout=ctx.timeout,
                               deadline=ctx.deadline.remaining())

        def probe(server: Server) -> str:
            """ok | plain | failed"""
            with limit:
                if ctx.cancelled.is_set():
                    return "failed"
                address = resolved[server.host][0]
                checks = Probe(server, address, network=ctx.network, credentials=None,
                               options=options, transcript=Transcript(enabled=False),
                               claim=LoginClaim([address]), deadline=ctx.deadline).run()
            failed = [c.id for c in checks if c.status == "fail"]
            if not failed:
                return "ok"
            if failed == ["starttls.not-offered"]:
                return "plain"
            return "failed"

        results = gather(ctx, [lambda s=s: probe(s) for s in todo], name="guess")
        found: list[Server] = []
        for server, result in zip(todo, results):
            if result == "ok":
                found.append(server.with_(username=ctx.address.ascii))
            elif result == "plain":
                found.append(server.with_(security="plain", username=ctx.address.ascii))
        incoming = _best_per_protocol([s for s in found if s.protocol != "smtp"])
        outgoing = _best_per_protocol([s for s in found if s.protocol == "smtp"])
        if not incoming and not outgoing:
            return Outcome.not_found(msg("no server answered on the usual names and ports "
                                         "of {domain}", domain=ctx.domain))
        config = AccountConfig(incoming=tuple(incoming), outgoing=tuple(outgoing),
                               source=self.name, trusted=False)
        warning = msg("These servers were found by trying common names. The username is a "
                      "guess (the full address); sign-in will tell.")
        return Outcome.found(config, msg("servers that answered: {count}", count=len(found)),
                             (warning,))


def _best_per_protocol(servers: list[Server]) -> list[Server]:
    """The best server of each protocol, in rank order (candidates are already
    in name order within a rank, and sorted() keeps that order)."""
    best: dict[str, Server] = {}
    for server in sorted(servers, key=_rank):
        best.setdefault(server.protocol, server)
    return sorted(best.values(), key=_rank)

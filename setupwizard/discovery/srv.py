"""Source ``srv``: DNS SRV records (RFC 6186, with RFC 8314's implicit-TLS
names). Neither Thunderbird reads them; we do, carefully:

* records are ordered by priority, then by RFC 2782 weighted choice;
* a lone target of "." means the service is decidedly not offered;
* a target outside the mail domain is allowed but untrusted (RFC 6186 §6);
* port 0 and absurd record counts are ignored with a warning;
* whether the resolver validated the answer (DNSSEC AD flag) is recorded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..errors import DNS_NXDOMAIN, DNSError, SetupWizardError
from ..i18n import Message, msg
from ..models import AccountConfig, Server, check_hostname
from ..net import DNSAnswer
from ..runtime import gather_settled
from .base import Context, Outcome, bad_host_warning

#: (service label, protocol, security), best first within each direction
SERVICES = (
    ("_imaps._tcp", "imap", "tls"),
    ("_imap._tcp", "imap", "starttls"),
    ("_pop3s._tcp", "pop3", "tls"),
    ("_pop3._tcp", "pop3", "starttls"),
    ("_submissions._tcp", "smtp", "tls"),
    ("_submission._tcp", "smtp", "starttls"),
)
MAX_RECORDS = 20


@dataclass(frozen=True)
class SRVTarget:
    host: str
    port: int
    priority: int
    weight: int


def order_records(records, rng: random.Random | None = None) -> list[SRVTarget]:
    """RFC 2782 order: ascending priority; within a priority, a weighted
    random permutation (weight 0 records stay possible but come late)."""
    rng = rng or random.Random()
    targets = [SRVTarget(r.target.to_text().rstrip(".").lower(), r.port, r.priority,
                         r.weight) for r in records]
    out: list[SRVTarget] = []
    for priority in sorted({t.priority for t in targets}):
        group = sorted((t for t in targets if t.priority == priority),
                       key=lambda t: t.weight)  # zero weights first, as the RFC says
        while group:
            total = sum(t.weight for t in group)
            pick = rng.uniform(0, total) if total else 0
            running = 0
            for index, target in enumerate(group):
                running += target.weight
                if running >= pick:
                    out.append(group.pop(index))
                    break
    return out


def inside(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


class SRVSource:
    name = "srv"

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng

    async def run(self, ctx: Context) -> Outcome:
        names = [f"{label}.{ctx.domain}" for label, _, _ in SERVICES]
        answers = await gather_settled([lambda n=n: self._lookup(ctx, n) for n in names],
                                       deadline=ctx.deadline)
        incoming: list[Server] = []
        outgoing: list[Server] = []
        warnings: list[Message] = []
        not_offered: list[str] = []
        errors: list[Outcome] = []
        all_authenticated = True
        any_records = False
        for (label, protocol, security), name, answer in zip(SERVICES, names, answers):
            if answer is None:
                errors.append(Outcome("timeout", msg("no answer before the deadline")))
                continue
            if isinstance(answer, SetupWizardError):
                timeout = isinstance(answer, DNSError) and answer.kind == "timeout"
                errors.append(Outcome("timeout" if timeout else "error", answer.message,
                                      kind=getattr(answer, "kind", "error")))
                continue
            if isinstance(answer, BaseException):
                raise answer  # a bug: runtime.settle reports it
            records = answer
            if not records.records:
                continue
            any_records = True
            all_authenticated &= records.authenticated
            rows = list(records.records)
            if len(rows) == 1 and rows[0].target.to_text() == ".":
                not_offered.append(label)
                continue
            if len(rows) > MAX_RECORDS:
                warnings.append(msg("{name} has too many SRV records ({count}); only the "
                                    "first {max} are used", name=name, count=len(rows), max=MAX_RECORDS))
            for target in order_records(rows, self._rng)[:MAX_RECORDS]:
                if target.host in ("", ".") or target.port == 0:
                    warnings.append(msg("{name}: an SRV record with port 0 or no target "
                                        "was ignored", name=name))
                    continue
                host = check_hostname(target.host)
                if host is None:
                    warnings.append(bad_host_warning(name, target.host))
                    continue
                trusted = inside(host, ctx.domain)
                if not trusted:
                    warnings.append(msg("{name} points to {host}, outside {domain}: "
                                        "confirm that this server is really yours",
                                        name=name, host=host, domain=ctx.domain))
                server = Server(protocol=protocol, host=host, port=target.port,
                                security=security, username=ctx.address.ascii,
                                auth=("password-cleartext",), source=self.name,
                                trusted=trusted,
                                extra=(("priority", target.priority),
                                       ("weight", target.weight),
                                       ("dnssec", records.authenticated)))
                (outgoing if protocol == "smtp" else incoming).append(server)
        for label in not_offered:
            warnings.append(msg("{name} says this service is not offered (target \".\")",
                                name=f"{label}.{ctx.domain}"))
        if incoming or outgoing:
            trusted = all(s.trusted for s in incoming + outgoing)
            config = AccountConfig(incoming=tuple(incoming), outgoing=tuple(outgoing),
                                   source=self.name, trusted=trusted,
                                   origin=f"_*._tcp.{ctx.domain}")
            dnssec = msg("DNSSEC-validated") if all_authenticated else \
                msg("not DNSSEC-validated")
            return Outcome.found(config, msg("SRV records: {count} ({dnssec})",
                                             count=len(incoming) + len(outgoing),
                                             dnssec=dnssec), tuple(warnings))
        if errors and not any_records and len(errors) == len(SERVICES):
            first = errors[0]
            return Outcome(first.status, first.detail, None, tuple(warnings), kind=first.kind)
        if not_offered:
            return Outcome.not_found(msg("SRV records say no mail service is offered"),
                                     tuple(warnings))
        return Outcome.not_found(msg("no SRV records for mail"), tuple(warnings))

    async def _lookup(self, ctx: Context, name: str) -> DNSAnswer:
        try:
            return await ctx.network.dns.query(name, "SRV", timeout=ctx.step())
        except DNSError as exc:
            if exc.kind == DNS_NXDOMAIN:
                return DNSAnswer(name=name, rdtype="SRV")
            raise

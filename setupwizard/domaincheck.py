"""What a domain publishes for mail programs, whether it works, and what to
fix or add.

``check_domain()`` asks every discovery source about a placeholder address
at the domain (``postmaster@DOMAIN``) and lets each one run to completion
- no race: a lower-ranked source that is broken matters here as much as
the winner. It then compares what the sources name, probes every distinct
server they name (all at once, without logging in: DNS, connect, TLS and
the certificate) and turns the whole picture into Advice: what is broken,
what deserves a look, and what to add, with the exact records or file to
publish (built with the domain kit of ``export.domainkit``).

The provider database is asked too, for context: what it says is shown
and compared, but it is not something the domain publishes, so its
servers are not probed and its silence is nobody's fault.

Severities: ``problem`` (exit 1: something published is broken, or
nothing at all is published), ``warning`` (works, but deserves a look),
``suggestion`` (something missing that would help), ``info``. Which source
failures are problems: those at names that exist only for mail
(``autoconfig.DOMAIN``, the SRV records). Failures of the website's
well-known address, of Autodiscover (which also asks the website), of the
plain-http fallback and of third parties (ISPDB, the MX lookup) are
warnings: mail programs skip them and go on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Sequence

from .errors import SetupWizardError, UsageError
from .i18n import Message, msg
from .explain.domaincheck import ADVICE, AdviceText
from .models import AccountConfig, EmailAddress, Outcome, Server, to_ascii_domain

__all__ = ["check_domain", "parse_domain", "DomainReport", "SourceCheck", "ServerCheck",
           "Agreement", "Choice", "Advice", "AdviceText", "ADVICE", "SEVERITIES",
           "CONTEXT_SOURCES", "MAX_SERVERS", "SECURITY_WORDS"]

#: sources that only give context: not published by the domain
CONTEXT_SOURCES = ("providers",)
#: the most servers probed in one check (SRV alone may name 120)
MAX_SERVERS = 24
#: most severe first
SEVERITIES = ("problem", "warning", "suggestion", "info")
_PROTOCOLS = ("imap", "pop3", "smtp")
#: short names of the kinds of encryption, for lists
SECURITY_WORDS = {"tls": msg("SSL/TLS"), "starttls": msg("STARTTLS"),
                   "plain": msg("unencrypted")}


# -- the advice catalogue: texts in explain/domaincheck.py ---------------------


# -- values ---------------------------------------------------------------------

#: What one discovery source said about the domain: the one result shape
#: (models.Outcome; status found | not-found | error | timeout).
SourceCheck = Outcome


def is_published(source: Outcome) -> bool:
    """False for the sources that only give context (the provider database)."""
    return source.name not in CONTEXT_SOURCES


def servers_of(source: Outcome) -> tuple[Server, ...]:
    if source.config is None:
        return ()
    return (*source.config.incoming, *source.config.outgoing)


def network_down(checked: Sequence[Outcome], health) -> Outcome | None:
    """The first failed answer when our DNS is broken - not one DNS question
    of the sources was answered (``health``, a net.dns.DNSHealth, the same
    count discovery uses) and nothing was found; else None. A domain owner
    must then hear that we could not look, not that they should publish
    records."""
    if not health.down or any(is_published(s) and s.status == "found" for s in checked):
        return None
    return next((s for s in checked if is_published(s) and has_failed(s)), None)


def has_failed(source: Outcome) -> bool:
    return source.status in ("error", "timeout")


@dataclass(frozen=True)
class ServerCheck:
    """One distinct server the published sources name, and how it answered."""

    server: Server
    #: source names, best-ranked first
    named_by: tuple[str, ...]
    #: pass | warn | fail | skip (not tested: more than MAX_SERVERS)
    status: str
    addresses: tuple[str, ...] = ()
    checks: tuple = ()


@dataclass(frozen=True)
class Choice:
    """One answer to "which server for this protocol?" and who gives it."""

    protocol: str
    host: str
    port: int
    security: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Agreement:
    """Whether the published sources name the same first server for each
    protocol. ``status``: agree, disagree, single (one source named
    servers), none (no source did)."""

    status: str
    sources: tuple[str, ...]
    choices: tuple[Choice, ...]

    @property
    def conflicts(self) -> tuple[str, ...]:
        """The protocols the sources disagree about."""
        return tuple(p for p in _PROTOCOLS
                     if len([c for c in self.choices if c.protocol == p]) > 1)


@dataclass(frozen=True)
class Advice:
    """One thing to fix, look at or add. ``details`` fill the catalogue
    texts (str, int, Message, or a tuple of them); ``records`` holds the
    exact DNS records or file to publish; ``check`` is the diagnostics
    check behind server advice."""

    id: str
    details: tuple[tuple[str, object], ...] = ()
    records: str | None = None
    source: str | None = None
    server: str | None = None
    check: object = None

    @property
    def severity(self) -> str:
        return ADVICE[self.id].severity

    @property
    def text(self) -> AdviceText:
        return ADVICE[self.id]


@dataclass(frozen=True)
class DomainReport:
    """Everything check_domain() learned. ``verdict``: ok, warning,
    problem (something published is broken) or nothing (nothing is
    published, nothing broken)."""

    domain: str
    ascii_domain: str
    sources: tuple[SourceCheck, ...]
    servers: tuple[ServerCheck, ...]
    agreement: Agreement
    advice: tuple[Advice, ...]
    verdict: str
    elapsed_ms: int = 0

    @property
    def works(self) -> bool:
        """True when nothing published is broken (exit status 0)."""
        return self.verdict in ("ok", "warning")


# -- the check ------------------------------------------------------------------

def parse_domain(text: str) -> tuple[str, str]:
    """``(domain, ascii_domain)`` for ``text`` (lower case, no final dot).

    Raises UsageError when it is not a domain name (an address included)."""
    name = (text or "").strip().rstrip(".").lower()
    if "@" in name:
        local, _, rest = name.rpartition("@")
        if local and to_ascii_domain(rest):
            raise UsageError(msg("{text} is an address; name only its domain: {domain}",
                                 text=text, domain=rest))
    ascii_domain = to_ascii_domain(name) if name else None
    if ascii_domain is None or any(c.isspace() for c in name):
        raise UsageError(msg("{domain} is not a domain name", domain=text))
    return name, ascii_domain


def check_domain(domain: str, *, network=None, options=None, probe_options=None,
                 providers=None, sources: Sequence | None = None,
                 clock: Callable[[], float] = time.monotonic) -> DomainReport:
    """Check what ``domain`` publishes for mail programs.

    ``options`` are DiscoveryOptions (the ISPDB URL), ``probe_options``
    ProbeOptions (login is always off); every time limit comes from
    ``network.timeouts`` (``check_domain`` for the whole check). Returns a
    DomainReport; raises UsageError for a malformed domain. Network trouble
    never raises: it becomes source statuses, server checks and advice.
    """
    from .net import Network
    name, ascii_domain = parse_domain(domain)
    if network is not None:
        return network.run(check_domain_async(
            domain, network=network, options=options, probe_options=probe_options,
            providers=providers, sources=sources, clock=clock))
    with Network() as own:
        return own.run(check_domain_async(
            domain, network=own, options=options, probe_options=probe_options,
            providers=providers, sources=sources, clock=clock))


async def check_domain_async(domain: str, *, network, options=None, probe_options=None,
                             providers=None, sources: Sequence | None = None,
                             clock: Callable[[], float] = time.monotonic) -> DomainReport:
    """The async form of :func:`check_domain` (same arguments)."""
    import dataclasses

    from .diagnostics.engine import ProbeOptions
    from .discovery import DiscoveryOptions, build_sources
    from .net.dns import watching
    from .runtime import Deadline

    start = clock()
    name, ascii_domain = parse_domain(domain)
    options = options or DiscoveryOptions()
    probe_options = dataclasses.replace(probe_options or ProbeOptions(), login=False)
    if providers is None:
        from .providers import ProviderDatabase
        providers = ProviderDatabase.load()
    if sources is None:
        from .discovery.base import RANKING
        sources = [s for s in build_sources() if s.name in RANKING]
    address = EmailAddress.parse(f"postmaster@{name}")
    deadline = Deadline(network.timeouts.check_domain, clock)
    # half of the time for the sources, the rest (at least) for the probes
    sources_deadline = Deadline(min(network.timeouts.lookup, deadline.remaining()), clock)
    with watching() as health:
        checked = await _ask_sources(address, list(sources), network, options, providers,
                                     sources_deadline, clock)
    servers = await _probe(_named_servers(checked), network, probe_options, deadline)
    agreement = _agreement(checked)
    advice = _advice(name, ascii_domain, address, checked, servers, agreement, health)
    verdict = _verdict(advice, checked)
    return DomainReport(domain=name, ascii_domain=ascii_domain, sources=tuple(checked),
                        servers=tuple(servers), agreement=agreement, advice=tuple(advice),
                        verdict=verdict, elapsed_ms=int((clock() - start) * 1000))


async def _ask_sources(address: EmailAddress, sources: list, network, options, providers,
                       deadline, clock) -> list[Outcome]:
    """Run every source to completion (or the deadline), all at once."""
    from .discovery.base import Context
    from .runtime import gather_settled, settle

    ctx = Context(address=address, network=network, options=options, deadline=deadline,
                  providers=providers)
    started = clock()
    values = await gather_settled(
        [lambda s=s: settle(lambda: s.run(ctx), name=s.name, clock=clock) for s in sources],
        deadline=deadline)
    waited = int((clock() - started) * 1000)
    out: list[Outcome] = []
    for source, value in zip(sources, values):
        if not isinstance(value, Outcome):  # cut off by the deadline
            out.append(Outcome("timeout", msg("no answer before the deadline"),
                               name=source.name, elapsed_ms=waited, kind="timeout"))
            continue
        if value.status not in ("found", "not-found", "error", "timeout"):
            value = value.with_(status="error")  # cancelled/skipped: no race here
        if value.status != "found":
            value = value.with_(config=None)
        out.append(value)
    return out


def _key(server: Server) -> tuple[str, str, int, str]:
    return (server.protocol, server.host.lower().rstrip("."), server.port, server.security)


def _named_servers(checked: list[SourceCheck]) -> list[tuple[Server, tuple[str, ...]]]:
    """Every distinct server the published sources name, with the names of
    those sources: by protocol, then by the best source naming it, then in
    that source's own order."""
    found: dict[tuple, tuple[Server, list[str], tuple[int, int]]] = {}
    for rank, source in enumerate(checked):
        if not is_published(source) or source.status != "found":
            continue
        for position, server in enumerate(servers_of(source)):
            key = _key(server)
            if key not in found:
                neutral = Server(protocol=server.protocol, host=key[1], port=server.port,
                                 security=server.security, auth=server.auth)
                found[key] = (neutral, [], (rank, position))
            if source.name not in found[key][1]:
                found[key][1].append(source.name)
    ordered = sorted(found.values(), key=lambda v: (_PROTOCOLS.index(v[0].protocol), v[2]))
    return [(server, tuple(names)) for server, names, _ in ordered]


async def _probe(named: list[tuple[Server, tuple[str, ...]]], network, options,
                 deadline) -> list[ServerCheck]:
    """Probe each server (at most MAX_SERVERS), all at once, without login."""
    from .diagnostics import server_status
    from .diagnostics.connection import Transcript
    from .diagnostics.engine import Check, probe_server
    from .runtime import gather_settled

    tested = named[:MAX_SERVERS]
    results = await gather_settled(
        [lambda s=s: probe_server(s, network=network, credentials=None, options=options,
                                  transcript=Transcript(enabled=False), deadline=deadline)
         for s, _ in tested], deadline=deadline)
    out: list[ServerCheck] = []
    for index, (server, names) in enumerate(named):
        if index >= len(tested):
            out.append(ServerCheck(server, names, "skip"))
            continue
        result = results[index]
        if isinstance(result, SetupWizardError):  # the probe turns trouble into checks
            result = ([], [Check("protocol.broken", "fail", server.url, None,
                                 {"reason": result.message})])
        elif not isinstance(result, tuple):
            result = ([], [Check("connect.timeout", "fail", server.url, None,
                                 {"port": server.port})])
        addresses, checks = result
        out.append(ServerCheck(server, names, server_status(list(checks)),
                               tuple(addresses), tuple(checks)))
    return out


def _first_per_protocol(servers: Sequence[Server]) -> dict[str, Server]:
    first: dict[str, Server] = {}
    for server in servers:
        first.setdefault(server.protocol, server)
    return first


def _agreement(checked: list[SourceCheck]) -> Agreement:
    """Compare the first server per protocol of every published source that
    found something."""
    compared = [s for s in checked if is_published(s) and s.status == "found"]
    choices: dict[tuple, list[str]] = {}
    for source in compared:
        for server in _first_per_protocol(servers_of(source)).values():
            choices.setdefault(_key(server), []).append(source.name)
    values = tuple(Choice(k[0], k[1], k[2], k[3], tuple(v))
                   for k, v in sorted(choices.items(),
                                      key=lambda kv: _PROTOCOLS.index(kv[0][0])))
    names = tuple(s.name for s in compared)
    if not compared:
        status = "none"
    elif len(compared) == 1:
        status = "single"
    else:
        protocols = [c.protocol for c in values]
        status = "disagree" if len(protocols) != len(set(protocols)) else "agree"
    return Agreement(status, names, values)


def _security(security: str) -> Message:
    return SECURITY_WORDS.get(security, msg("unencrypted"))


def _choice_text(choice: Choice) -> Message:
    return msg("{sources}: {host}, port {port}, {security}", sources=", ".join(choice.sources),
               host=choice.host, port=choice.port, security=_security(choice.security))


def _label(name: str) -> Message | str:
    from .discovery.base import SOURCE_LABELS
    return SOURCE_LABELS.get(name, name)


def _advice(domain: str, ascii_domain: str, address: EmailAddress,
            checked: list[SourceCheck], servers: list[ServerCheck],
            agreement: Agreement, health) -> list[Advice]:
    by_name = {s.name: s for s in checked}
    published = [s for s in checked if is_published(s)]
    base = (("domain", ascii_domain),)
    out: list[Advice] = []

    down = network_down(checked, health)
    if down is not None:
        # our own DNS is broken: say so, and advise nothing about the domain
        return [Advice("network.down", base + (("detail", down.detail),))]
    if not any(s.status == "found" for s in published):
        out.append(Advice("nothing.published", base))
    for source in published:
        if has_failed(source) and f"{source.name}.broken" in ADVICE:
            out.append(Advice(f"{source.name}.broken",
                              base + (("source", _label(source.name)),
                                      ("detail", source.detail)), source=source.name))
    for name in ("autoconfig", "well-known", "autodiscover"):
        source = by_name.get(name)
        if source is not None and source.config is not None and not source.config.trusted:
            detail = source.warnings[0] if source.warnings else source.detail
            out.append(Advice("source.untrusted", base + (("source", _label(name)),
                                                          ("detail", detail)), source=name))
    https_found = any(by_name.get(n) is not None and by_name[n].status == "found"
                      for n in ("autoconfig", "well-known"))
    plain = by_name.get("autoconfig-http")
    if plain is not None and plain.status == "found" and not https_found:
        out.append(Advice("autoconfig.http-only", base, source="autoconfig-http"))

    for protocol in agreement.conflicts:
        texts = tuple(_choice_text(c) for c in agreement.choices if c.protocol == protocol)
        out.append(Advice("sources.disagree", base + (("protocol", protocol.upper()),
                                                      ("choices", texts))))

    srv = by_name.get("srv")
    if srv is not None and srv.status == "found":
        from .discovery.srv import SERVICES, inside
        labels = {(p, s): label for label, p, s in SERVICES}
        targets = []
        for server in servers_of(srv):
            host = server.host.lower().rstrip(".")
            if inside(host, ascii_domain):
                continue
            label = labels.get((server.protocol, server.security), "_*._tcp")
            targets.append(f"{label}.{ascii_domain} -> {host}")
        if targets:
            out.append(Advice("srv.outside-domain",
                              base + (("targets", tuple(dict.fromkeys(targets))),),
                              source="srv"))

    for checked_server in servers:
        out.extend(_server_advice(checked_server, base))
    untested = [s for s in servers if s.status == "skip"]
    if untested:
        out.append(Advice("server.untested", base + (("count", len(servers)),
                                                     ("tested", MAX_SERVERS))))

    out.extend(_missing(domain, ascii_domain, address, by_name, servers))
    out.extend(_providers_context(by_name.get("providers"), agreement, base))
    order = {severity: index for index, severity in enumerate(SEVERITIES)}
    return sorted(out, key=lambda a: order[a.severity])


def _server_advice(checked: ServerCheck, base: tuple) -> list[Advice]:
    if checked.status not in ("fail", "warn"):
        return []
    wanted = "fail" if checked.status == "fail" else "warn"
    check = next((c for c in checked.checks if c.status == wanted), None)
    if check is None:
        check = next((c for c in checked.checks if c.status in ("fail", "warn")), None)
    server = checked.server
    details = base + (("protocol", server.protocol.upper()), ("host", server.host),
                      ("port", server.port), ("sources", ", ".join(checked.named_by)))
    advice_id = "server.failed" if checked.status == "fail" else "server.warning"
    return [Advice(advice_id, details, server=server.url, check=check)]


def _command(ascii_domain: str, known: bool) -> str:
    if known:
        return f"setupwizard export --domain {ascii_domain}"
    return f"setupwizard export --domain {ascii_domain} --imap HOST --smtp HOST"


def _kit_servers(by_name: dict[str, SourceCheck], servers: list[ServerCheck]) -> list[Server]:
    """The servers to put into suggested records: the encrypted ones that
    work, best source first; else what the provider database says."""
    working = [s.server for s in servers
               if s.status in ("pass", "warn") and s.server.security != "plain"]
    if working:
        return working
    context = by_name.get("providers")
    if context is not None and context.status == "found":
        return [s for s in servers_of(context) if s.security != "plain"]
    return []


def _missing(domain: str, ascii_domain: str, address: EmailAddress,
             by_name: dict[str, SourceCheck], servers: list[ServerCheck]) -> list[Advice]:
    """Suggestions for what is not published, with the exact records."""
    from .export import domainkit
    from .export.selection import kit_from_servers

    kit = zone = config = None
    try:
        kit, _ = kit_from_servers(ascii_domain, _kit_servers(by_name, servers),
                                  address=address)
        zone = domainkit.zone_records(kit)
    except SetupWizardError:
        kit = None
    if kit is not None:
        from .export.thunderbird import document
        try:
            config = document(provider_id=ascii_domain, domain=ascii_domain,
                              display_name=ascii_domain, incoming=kit.incoming,
                              outgoing=kit.outgoing,
                              leave_on_server=kit.leave_on_server).decode("utf-8")
        except SetupWizardError:
            config = None
    lines = [line for line in (zone or "").splitlines() if line and not line.startswith(";")]
    command = _command(ascii_domain, kit is not None)
    base = (("domain", ascii_domain), ("command", command))

    def status(name: str) -> str:
        source = by_name.get(name)
        return source.status if source is not None else "not-found"

    out: list[Advice] = []
    if "found" not in (status("autoconfig"), status("well-known"), status("autoconfig-http")) \
            and status("autoconfig") not in ("error", "timeout"):
        out.append(Advice("autoconfig.missing", base, records=config, source="autoconfig"))
    if status("srv") == "not-found":
        records = [line for line in lines if " SRV " in line
                   and not line.startswith("_autodiscover.")]
        out.append(Advice("srv.missing", base, records="\n".join(records) or None,
                          source="srv"))
    if status("autodiscover") == "not-found":
        records = [line for line in lines
                   if line.startswith((f"autodiscover.{ascii_domain}.",
                                       f"_autodiscover._tcp.{ascii_domain}."))]
        out.append(Advice("autodiscover.missing", base, records="\n".join(records) or None,
                          source="autodiscover"))
    return out


def _providers_context(source: SourceCheck | None, agreement: Agreement,
                       base: tuple) -> list[Advice]:
    """Info when the provider database names other hosts than the domain."""
    if source is None or source.status != "found" or not agreement.choices:
        return []
    theirs, ours = [], []
    for protocol, server in _first_per_protocol(servers_of(source)).items():
        published = [c for c in agreement.choices if c.protocol == protocol]
        if published and server.host.lower().rstrip(".") not in {c.host for c in published}:
            theirs.append(f"{protocol.upper()} {server.host}")
            ours.extend(f"{protocol.upper()} {c.host}" for c in published)
    if not theirs:
        return []
    return [Advice("providers.differs", base + (("theirs", ", ".join(theirs)),
                                                ("ours", ", ".join(dict.fromkeys(ours)))),
                   source="providers")]


def _verdict(advice: list[Advice], checked: list[SourceCheck]) -> str:
    if any(a.severity == "problem" and a.id != "nothing.published" for a in advice):
        return "problem"
    if not any(is_published(s) and s.status == "found" for s in checked):
        return "nothing"
    if any(a.severity == "warning" for a in advice):
        return "warning"
    return "ok"

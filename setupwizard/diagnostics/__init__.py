"""Test IMAP, POP3 and SMTP servers end to end and say what is wrong.

``diagnose_async()`` probes every server and every address of every server
at once, as tasks of the one event loop; each probe runs the checks in
``engine.py``. ``diagnose()`` is its synchronous wrapper (``network.run``). The result is a Report
of Checks (finding ids + details) that the UI turns into plain language.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Sequence

from ..errors import UsageError
from ..i18n import msg
from ..models import DEFAULT_PORTS, DiscoveryResult, EmailAddress, Server
from ..net import Deadline, Network
from ..trust import Confirmation, trust_basis
from .codes import reconcile_logins
from .connection import Transcript
from .engine import Check, ProbeOptions, probe_server
from .protocols import Credentials
from .redaction import Redactor

__all__ = ["diagnose", "diagnose_async", "probe_server", "Report", "ServerReport", "Check", "ProbeOptions", "Credentials",
           "parse_server_spec", "recommended_servers"]

ORDER = {"skip": 0, "pass": 1, "warn": 2, "fail": 3}


@dataclass(frozen=True)
class ServerReport:
    server: Server
    addresses: tuple[str, ...]
    status: str  # pass | warn | fail
    #: why a password may go to this server, or "unconfirmed" (trust.TRUST_BASES)
    trust: str = "trusted-source"

    def to_json(self) -> dict:
        return {"protocol": self.server.protocol, "host": self.server.host,
                "port": self.server.port, "security": self.server.security,
                "source": self.server.source, "addresses": list(self.addresses),
                "status": self.status, "trust": self.trust}


@dataclass(frozen=True)
class Report:
    address: str
    verdict: str  # ok | warning | problem
    servers: tuple[ServerReport, ...]
    checks: tuple[Check, ...]
    transcript: tuple[dict, ...] = ()
    discovery: DiscoveryResult | None = None
    elapsed_ms: int = 0


#: what a server name looks like, for messages about a wrong one
_EXAMPLE_SERVERS = {"imap": "imap.example.com", "pop3": "pop.example.com",
                    "smtp": "smtp.example.com"}


def parse_server_spec(text: str, protocol: str) -> Server:
    """Parse ``HOST[:PORT][/tls|/starttls|/plain]`` for ``protocol``.

    Without a port the standard port of the security is used (993/143,
    995/110, 465/587); without a security, implicit TLS unless the port is
    a STARTTLS port. Raises UsageError.
    """
    from ..models import is_hostname, parse_port, to_ascii_domain
    spec = text.strip()
    example = _EXAMPLE_SERVERS.get(protocol, "mail.example.com")
    if not spec or spec.startswith(("/", ":")):
        raise UsageError(msg("The server name is missing. Type it like this: {example}",
                             example=example))
    security = None
    if "/" in spec:
        spec, security = spec.rsplit("/", 1)
        security = security.lower()
        if security in ("ssl",):
            security = "tls"
        if security not in ("tls", "starttls", "plain"):
            raise UsageError(msg("unknown encryption {value} in {spec}: use /tls, "
                                 "/starttls or /plain", value=security, spec=text))
    host, port = spec, None
    if spec.startswith("["):
        end = spec.find("]")
        if end < 0:
            raise UsageError(msg("bad server {spec}", spec=text))
        host, rest = spec[1:end], spec[end + 1:]
        if rest.startswith(":"):
            port = rest[1:]
    elif spec.count(":") == 1:
        host, port = spec.split(":")
    if port is not None:
        port = parse_port(port)  # ASCII digits only: int() takes "²" and "٣" too
        if port is None:
            raise UsageError(msg("The port in {spec} must be a number from 1 to 65535, for "
                                 "example {example}:{port}", spec=text, example=example,
                                 port=DEFAULT_PORTS[(protocol, "tls")]))
    if security is None:
        starttls_ports = {DEFAULT_PORTS[(protocol, "starttls")], 25}
        security = "starttls" if port in starttls_ports else "tls"
    if port is None:
        port = DEFAULT_PORTS[(protocol, security)]
    import ipaddress
    try:
        ipaddress.ip_address(host)
        ascii_host = host
    except ValueError:
        ascii_host = to_ascii_domain(host.rstrip(".")) if "." in host else (
            host.lower() if is_hostname(host) else None)
        if not ascii_host:
            raise UsageError(msg("{spec} is not a server name. A server name looks like "
                                 "this: {example}", spec=text, example=example)) from None
    return Server(protocol=protocol, host=ascii_host, port=port, security=security,
                  source="user", trusted=True)


def recommended_servers(result: DiscoveryResult) -> list[Server]:
    """The best IMAP, the best POP3 and the best SMTP server discovery found
    (untrusted when the settings as a whole are, see trust.py)."""
    from ..trust import discovered_servers
    if result.config is None:
        return []
    servers = discovered_servers(result.config)
    chosen: list[Server] = []
    for protocol in ("imap", "pop3", "smtp"):
        first = next((s for s in servers if s.protocol == protocol), None)
        if first:
            chosen.append(first)
    return chosen


def _oauth2_expected(server: Server) -> bool:
    auth = [a.lower() for a in server.auth]
    return "oauth2" in auth and not any(a.startswith("password") for a in auth)


async def diagnose_async(address: str | EmailAddress, servers: Sequence[Server], *,
                         network: Network, username: str | None = None,
                         password: str | None = None, token: str | None = None,
                         options: ProbeOptions | None = None,
                         record_transcript: bool = False,
                         discovery: DiscoveryResult | None = None,
                         confirmed: Confirmation | None = None) -> Report:
    """Probe ``servers`` for ``address`` on the running loop; return a Report.

    Every address of every server is probed at once, as tasks; each network
    step may take ``network.timeouts.request`` and the whole run
    ``network.timeouts.diagnose``. ``username`` overrides each server's
    username (default: the server's, else the address). With neither
    ``password`` nor ``token`` no login is tried. The password or token goes
    only to servers that trust.py allows (``confirmed``: whether and how the
    user confirmed discovered servers); for the others every check but the
    login runs. Never raises for network trouble: it becomes checks.
    Raises InvalidAddress for a bad ``address``. Cancelling it cancels every
    probe; their connections close at once.
    """
    if not isinstance(address, EmailAddress):
        address = EmailAddress.parse(address)
    options = options or ProbeOptions()
    start = time.monotonic()
    deadline = Deadline(network.timeouts.diagnose)
    # every form of every secret, known before any probe can write a line
    redactor = _redactor(address, servers, username, password, token)
    transcript = Transcript(enabled=record_transcript, redactor=redactor)
    trust = [trust_basis(server, confirmed) for server in servers]
    results: list[tuple[list[str], list[Check]]] = [([], [])] * len(servers)

    async def run(index: int, server: Server) -> None:
        creds = None
        blocked = trust[index] == "unconfirmed"
        if (password is not None or token is not None) and not blocked:
            user = username or server.username or address.ascii
            creds = Credentials(user, password=password, token=token)
        server_options = options if not _oauth2_expected(server) else \
            _with(options, oauth2_expected=True)
        if blocked and (password is not None or token is not None):
            server_options = _with(server_options, unconfirmed=True)
        try:
            results[index] = await probe_server(server, network=network, credentials=creds,
                                                options=server_options,
                                                transcript=transcript, deadline=deadline)
        except Exception as exc:  # noqa: BLE001 - one server's bug must not end the run
            results[index] = ([], [Check("probe.internal-error", "fail", server.url, None,
                                         {"reason": f"{type(exc).__name__}: {exc}"})])

    async with asyncio.TaskGroup() as group:
        for index, server in enumerate(servers):
            group.create_task(run(index, server))
    checks: list[Check] = []
    reports: list[ServerReport] = []
    for index, server in enumerate(servers):
        addresses, server_checks = results[index]
        checks.extend(redactor.check(c) for c in server_checks)
        reports.append(ServerReport(server, tuple(addresses), server_status(server_checks),
                                    trust[index]))
    checks = reconcile_logins(checks)  # one account, one explanation (codes.py)
    down = network_down(servers, checks)
    if down is not None:
        checks.append(down)
    outcome = verdict(reports)
    if outcome == "ok" and any(c.id == "login.skipped-unconfirmed" for c in checks):
        outcome = "warning"  # the sign-in was not tested: not "everything works"
    return Report(address=address.text, verdict=outcome, servers=tuple(reports),
                  checks=tuple(checks), transcript=tuple(transcript.lines),
                  discovery=discovery, elapsed_ms=int((time.monotonic() - start) * 1000))


def diagnose(address: str | EmailAddress, servers: Sequence[Server], *,
             network: Network | None = None, username: str | None = None,
             password: str | None = None, token: str | None = None,
             options: ProbeOptions | None = None, record_transcript: bool = False,
             discovery: DiscoveryResult | None = None,
             confirmed: Confirmation | None = None) -> Report:
    """Synchronous :func:`diagnose_async`: runs it on ``network``'s loop (a
    Network of its own, closed afterwards, when none is given). Returns a
    Report; raises InvalidAddress, or UsageError when called inside a
    running event loop (await ``diagnose_async`` there)."""
    own = network is None
    network = network or Network()
    try:
        return network.run(diagnose_async(
            address, servers, network=network, username=username, password=password,
            token=token, options=options, record_transcript=record_transcript,
            discovery=discovery, confirmed=confirmed))
    finally:
        if own:
            network.close()


def network_down(servers: Sequence[Server], checks: Sequence[Check]) -> Check | None:
    """A ``dns.network-down`` check when not one server name could be
    looked up because the DNS server failed or did not answer (no internet,
    a broken or captive resolver): then the names are not the problem and
    the report must say so. None otherwise (one answer, even "no such
    name", shows the DNS works)."""
    from ..errors import DNS_SERVER_TROUBLE
    dns = [c for c in checks if c.category == "dns"]
    if not servers or not dns:
        return None
    if not all(c.id == "dns.failure" and c.details.get("kind") in DNS_SERVER_TROUBLE
               for c in dns):
        return None
    from .engine import DNS_TROUBLE_WORDS
    kinds = sorted({str(c.details.get("kind")) for c in dns})
    return Check("dns.network-down", "fail", servers[0].url, None,
                 {"kinds": ", ".join(kinds), "count": len(dns),
                  "why": tuple(DNS_TROUBLE_WORDS[k] for k in kinds if k in DNS_TROUBLE_WORDS)})


def _redactor(address: EmailAddress, servers: Sequence[Server], username: str | None,
              password: str | None, token: str | None) -> Redactor:
    """The one Redactor for a run: every secret form under every user name
    a server may be sent (transcripts and report details both use it)."""
    if password is None and token is None:
        return Redactor()
    users = dict.fromkeys([username or s.username or address.ascii for s in servers]
                          + [address.ascii, address.text])
    return Redactor.for_credentials(*(Credentials(u, password, token) for u in users))


def _with(options: ProbeOptions, **changes) -> ProbeOptions:
    import dataclasses
    return dataclasses.replace(options, **changes)


def server_status(checks: list[Check]) -> str:
    """fail when no address of the server passed; warn when some check
    warned or some address failed; else pass."""
    by_address: dict[str | None, list[Check]] = {}
    for check in checks:
        by_address.setdefault(check.address, []).append(check)
    server_level = by_address.pop(None, [])
    if any(c.status == "fail" for c in server_level) or not by_address:
        return "fail"
    worst = {a: max((ORDER[c.status] for c in cs), default=0) for a, cs in by_address.items()}
    if all(w == ORDER["fail"] for w in worst.values()):
        return "fail"
    if any(w >= ORDER["warn"] for w in worst.values()) or \
            any(c.status == "warn" for c in server_level):
        return "warn"
    return "pass"


def verdict(reports: list[ServerReport]) -> str:
    """problem when all incoming servers fail or all outgoing ones do;
    warning when anything else is not perfect; else ok."""
    incoming = [r for r in reports if r.server.protocol in ("imap", "pop3")]
    outgoing = [r for r in reports if r.server.protocol == "smtp"]
    for group in (incoming, outgoing):
        if group and all(r.status == "fail" for r in group):
            return "problem"
    if not reports:
        return "problem"
    if any(r.status != "pass" for r in reports):
        return "warning"
    return "ok"

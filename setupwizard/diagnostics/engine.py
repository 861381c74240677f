"""The probe: every check for one server address, in protocol order.

DNS -> TCP connect -> (implicit TLS) -> greeting -> capabilities ->
(STARTTLS -> capabilities again) -> sign-in methods -> login -> mailbox.

Security rules enforced here, not in the UI: certificates are always
verified and a failure stops the probe before any password is sent; no
password goes over an unencrypted connection unless the caller allowed it;
bytes injected between a STARTTLS go-ahead and the handshake end the
connection; pre-TLS capabilities are replaced by the ones read after TLS.

Every probe is a task of the one event loop: all addresses of all servers
are probed at once, every step is bounded by the step timeout capped by
the run's deadline, and a cancelled probe closes its connection at once.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass, field

from ..errors import (DNS_ERROR, DNS_NO_ADDRESS, DNS_NO_NAMESERVERS, DNS_NXDOMAIN,
                      DNS_REFUSED, DNS_SERVFAIL, DNS_TIMEOUT, ConnectError, DNSError, NetTimeout,
                      ProtocolError, SetupWizardError, TLSError, UnsafeArgument)
from ..i18n import Message, msg
from ..models import Server
from ..net import Deadline, Network
from .certificates import EXPIRY_WARNING_DAYS, VERIFY_CODES, read_certificate
from .codes import classify_login
from .connection import Connection, Transcript, open_connection
from .protocols import CLIENTS, Credentials, choose_mechanism

OLD_TLS = ("SSLv3", "TLSv1", "TLSv1.1")


@dataclass(frozen=True)
class Check:
    """One result. ``id`` is a finding id from explain.findings; the UI
    builds title, explanation and fix from it and ``details``."""

    id: str
    status: str  # pass | warn | fail | skip
    server: str
    address: str | None = None
    details: dict = field(default_factory=dict)
    elapsed_ms: int = 0

    @property
    def category(self) -> str:
        from ..explain.findings import FINDINGS
        return FINDINGS[self.id].category


@dataclass(frozen=True)
class ProbeOptions:
    """What a probe may do. How long it may take is not here: every limit
    comes from ``network.timeouts`` (``request`` per step, ``diagnose`` for
    the whole run; see runtime.Timeouts)."""

    login: bool = True
    allow_insecure_password: bool = False
    #: the provider says this server wants OAuth2 (changes how a refusal reads)
    oauth2_expected: bool = False
    #: a secret was given, but trust.py forbids sending it to this server
    unconfirmed: bool = False


class LoginClaim:
    """Log in once per server, on the first address (in preference order)
    that gets as far as the login. A later address waits for the earlier
    ones to finish; it logs in only if none of them did."""

    def __init__(self, ordered: list[str]) -> None:
        self._order = list(ordered)
        self._done = {a: asyncio.Event() for a in ordered}
        self.address: str | None = None

    async def claim(self, address: str, deadline: Deadline) -> bool:
        """True when ``address`` is the one to log in on. Waits (at most
        until ``deadline``) for every earlier address to finish."""
        earlier = [self._done[a].wait() for a in self._order[:self._order.index(address)]]
        if earlier:
            try:
                async with asyncio.timeout(deadline.remaining()):
                    await asyncio.gather(*earlier)
            except TimeoutError:
                pass  # an earlier address hangs: this one may still log in
        # one loop, no await from here on: the check and the claim are atomic
        if self.address is None:
            self.address = address
            return True
        return self.address == address

    def finished(self, address: str) -> None:
        self._done[address].set()


class _Stop(Exception):
    """End this probe (its checks are complete)."""


class Probe:
    """The checks for one (server, address) pair."""

    def __init__(self, server: Server, address: str, *, network: Network,
                 credentials: Credentials | None, options: ProbeOptions,
                 transcript: Transcript, claim: LoginClaim, deadline: Deadline) -> None:
        self.server, self.address = server, address
        self.network, self.credentials, self.options = network, credentials, options
        #: one network step (``--timeout``); each is capped by ``deadline``
        self.timeout = network.timeouts.request
        self.transcript, self.claim, self.deadline = transcript, claim, deadline
        self.checks: list[Check] = []
        self.label = server.url
        self._step_start = time.monotonic()
        self.encrypted = False
        self.conn: Connection | None = None

    # -- bookkeeping -----------------------------------------------------
    def add(self, finding: str, status: str, **details) -> None:
        now = time.monotonic()
        elapsed = int((now - self._step_start) * 1000)
        self._step_start = now
        self.checks.append(Check(finding, status, self.label, self.address,
                                 {k: v for k, v in details.items() if v is not None},
                                 elapsed))

    def stop_unsafe(self) -> None:
        if self.credentials is not None and self.options.login:
            self.add("login.skipped-unsafe", "skip")
        raise _Stop

    # -- the steps ---------------------------------------------------------
    async def run(self) -> list[Check]:
        """Run every check; return them. Never raises for network trouble or
        a bug (they become checks); cancellation closes the connection."""
        try:
            await self._run()
        except _Stop:
            pass
        except UnsafeArgument as exc:
            self.add("login.unsafe-value", "fail", what=Message(exc.what))
        except ProtocolError as exc:
            self._protocol_failure(exc)
        except NetTimeout as exc:
            self.add("protocol.broken", "fail", reason=exc.message)
        except SetupWizardError as exc:
            self.add("protocol.broken", "fail", reason=exc.message)
        except Exception as exc:  # noqa: BLE001 - a bug is a finding, not a dead server
            self.add("probe.internal-error", "fail",
                     reason=f"{type(exc).__name__}: {exc}")
        finally:
            if self.conn is not None:
                self.conn.close()
            self.claim.finished(self.address)
        return self.checks

    def _protocol_failure(self, exc: ProtocolError) -> None:
        if exc.kind == "injection":
            self.add("starttls.injection", "fail", reason=exc.message)
            if self.credentials is not None and self.options.login:
                self.add("login.skipped-unsafe", "skip")
        else:
            self.add("protocol.broken", "fail", reason=exc.message)

    async def _run(self) -> None:
        server = self.server
        try:
            self.conn, seconds = await open_connection(
                self.network, server.host, server.port, self.address, deadline=self.deadline,
                timeout=self.timeout, transcript=self.transcript,
                server_label=self.label)
        except NetTimeout:
            self.add("connect.timeout", "fail", port=server.port)
            raise _Stop
        except ConnectError as exc:
            finding = {"refused": "connect.refused",
                       "unreachable": "connect.unreachable"}.get(exc.kind, "connect.failed")
            self.add(finding, "fail", port=server.port, reason=exc.message)
            raise _Stop
        self.add("connect.ok", "pass", port=server.port, ms=int(seconds * 1000))
        client = CLIENTS[server.protocol](self.conn)
        if server.security == "tls":
            await self._tls(after_starttls=False)
        greeting = await self._greet(client)
        caps = greeting.capabilities or None
        if caps is None or server.protocol != "imap":
            caps = await client.capabilities()
        before = sorted(caps)
        after = None
        if server.security == "starttls":
            if greeting.status == "preauth":
                self.add("greeting.preauth", "fail")
                raise _Stop
            if client.starttls_capability not in caps:
                self.add("starttls.not-offered", "fail",
                         capabilities=" ".join(before) or "-")
                self.stop_unsafe()
            reply = await client.starttls()
            if not reply.ok:
                self.add("starttls.refused", "fail", text=_clean(reply.text))
                self.stop_unsafe()
            await self._tls(after_starttls=True)
            self.add("starttls.ok", "pass")
            caps = await client.capabilities()  # pre-TLS capabilities are not trusted
            after = sorted(caps)
        elif server.security == "plain":
            self.add("tls.plain", "warn",
                     starttls_offered=client.starttls_capability in caps)
        self.add("capabilities.ok", "pass", capabilities=" ".join(after or before) or "-",
                 before_tls=before if after is not None else None, after_tls=after)
        mechanisms = client.mechanisms(caps)
        if mechanisms:
            self.add("auth.mechanisms", "pass", mechanisms=", ".join(mechanisms))
        await self._login(client, caps, mechanisms)
        try:
            await client.quit()
        except SetupWizardError:
            pass  # the work is done; a rude goodbye is no finding

    async def _greet(self, client):
        try:
            greeting = await client.greet()
        except NetTimeout:
            self.add("greeting.timeout", "fail")
            raise _Stop
        except ProtocolError as exc:
            if exc.kind == "too-long":
                self.add("greeting.too-long", "fail")
            else:
                self.add("greeting.garbage", "fail", protocol=self.server.protocol.upper(),
                         port=self.server.port, reason=exc.message)
            raise _Stop
        if greeting.status == "garbage":
            self.add("greeting.garbage", "fail", protocol=self.server.protocol.upper(),
                     port=self.server.port, text=_clean(greeting.text))
            raise _Stop
        if greeting.status == "bye":
            self.add("greeting.refused", "fail", text=_clean(greeting.text))
            raise _Stop
        if greeting.status == "preauth" and self.server.security != "tls":
            self.add("greeting.preauth", "fail", text=_clean(greeting.text))
            raise _Stop
        self.add("greeting.ok", "pass", protocol=self.server.protocol.upper(),
                 text=_clean(greeting.text))
        return greeting

    async def _tls(self, *, after_starttls: bool) -> None:
        context = self.network.tls_context()
        try:
            info = await self.conn.start_tls(context, after_starttls=after_starttls)
        except TLSError as exc:
            await self._certificate_failure(exc, after_starttls)
            self.stop_unsafe()
        except NetTimeout as exc:
            self.add("tls.failed", "fail", reason=exc.message)
            self.stop_unsafe()
        self.encrypted = True
        status = "warn" if info.version in OLD_TLS else "pass"
        self.add("tls.old-version" if status == "warn" else "tls.ok", status,
                 version=info.version, cipher=info.cipher, bits=info.bits)
        facts = read_certificate(info.certificate_der) if info.certificate_der else None
        if facts is None or facts.unreadable:
            # verified by OpenSSL, but (partly) unreadable for us: say so
            self.add("certificate.unreadable", "warn", host=self.server.host,
                     **(facts.to_json() if facts else {"unreadable": "certificate"}))
        days = facts.days_left() if facts is not None else None
        if facts is None or days is None:
            return
        details = dict(facts.to_json(), host=self.server.host, days=days,
                       **_prose_dates(facts))
        if days < EXPIRY_WARNING_DAYS:
            self.add("certificate.expiring", "warn", **details)
        else:
            self.add("certificate.ok", "pass", **details)

    async def _certificate_failure(self, exc: TLSError, after_starttls: bool) -> None:
        code = getattr(exc, "verify_code", None)
        if code is None:
            self.add("tls.failed", "fail", reason=_tls_reason(exc))
            return
        finding = VERIFY_CODES.get(code, "certificate.invalid")
        details = {"host": self.server.host, "reason": exc.verify_message,
                   "verify_code": code}
        der = await fetch_certificate(self.server, self.address, network=self.network,
                                      deadline=self.deadline, after_starttls=after_starttls)
        facts = read_certificate(der) if der else None
        if facts is not None:
            details.update(facts.to_json(), **_prose_dates(facts))
            details["names"] = ", ".join(facts.names) or facts.subject
            if finding == "certificate.untrusted" and facts.self_signed:
                finding = "certificate.self-signed"
        details.setdefault("names", "?")
        details.setdefault("issuer", "?")
        details.setdefault("not_after", "?")
        details.setdefault("not_before", "?")
        details.setdefault("valid_until", "?")
        details.setdefault("valid_from", "?")
        self.add(finding, "fail", **details)

    async def _login(self, client, caps, mechanisms) -> None:
        options, creds = self.options, self.credentials
        if client.login_disabled(caps):
            self.add("auth.logindisabled", "warn" if not self.encrypted else "fail")
        if not options.login:
            return
        if creds is None:
            if options.unconfirmed:
                from ..discovery.base import SOURCE_LABELS
                self.add("login.skipped-unconfirmed", "skip", host=self.server.host,
                         source=SOURCE_LABELS.get(self.server.source, self.server.source))
            else:
                self.add("login.skipped-no-password", "skip")
            return
        if not self.encrypted and not options.allow_insecure_password:
            self.add("login.skipped-insecure", "skip")
            return
        if not await self.claim.claim(self.address, self.deadline):
            self.add("login.skipped-other-address", "skip", tested=self.claim.address)
            return
        mechanism = choose_mechanism(self.server.protocol, mechanisms, creds, caps)
        if mechanism is None:
            if mechanisms and all(m in ("XOAUTH2", "OAUTHBEARER") for m in mechanisms):
                self.add("auth.oauth2-only", "fail", mechanisms=", ".join(mechanisms))
            else:
                self.add("auth.none", "fail", mechanisms=", ".join(mechanisms) or "-")
            return
        if not self.encrypted:
            self.add("login.insecure-sent", "warn")
        reply = await client.login(creds, caps, mechanism)
        for alert in reply.alerts:
            self.add("login.alert", "warn", text=_clean(alert))
        if reply.ok:
            self.add("login.ok", "pass", username=creds.username, mechanism=mechanism)
            await self._mailbox(client)
            return
        finding = classify_login(self.server.protocol, reply,
                                 oauth2_expected=options.oauth2_expected)
        self.add(finding, "fail", username=creds.username, mechanism=mechanism,
                 response=f"{reply.status} {('[' + reply.code + '] ') if reply.code else ''}"
                          f"{_clean(reply.text)}".strip(), text=_clean(reply.text))
        raise _Stop

    async def _mailbox(self, client) -> None:
        if self.server.protocol == "smtp":
            return
        try:
            box = await client.mailbox()
        except (ProtocolError, NetTimeout, ConnectError) as exc:
            self.add("mailbox.failed", "warn", reason=exc.message)
            raise _Stop
        if self.server.protocol == "imap":
            if box.folders is None and box.messages is None:
                self.add("mailbox.failed", "warn", reason="LIST/EXAMINE")
            else:
                self.add("mailbox.ok", "pass", folders=box.folders, messages=box.messages)
        elif box.messages is not None:
            self.add("mailbox.pop3", "pass", messages=box.messages, size=box.size)
        else:
            self.add("mailbox.failed", "warn", reason="STAT")


def _clean(text: str, limit: int = 300) -> str:
    from ..text import sanitize
    text = sanitize(text)
    if len(text) <= limit:
        return text
    # cut at a space: a word cut in half could be the start of an echoed
    # secret that the Redactor no longer recognises
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else ""
    return cut + " ..."


def _tls_reason(exc: TLSError) -> Message | str:
    text = str(exc.message)
    if "WRONG_VERSION_NUMBER" in text or "wrong version number" in text:
        return msg("the server did not start encryption at once, as SSL/TLS would. "
                   "Choose STARTTLS for this port, or use the SSL/TLS port (993, 995 or "
                   "465)")
    if "UNSUPPORTED_PROTOCOL" in text or "unsupported protocol" in text or \
            "no protocols available" in text:
        return msg("the server only offers outdated encryption (older than TLS 1.2)")
    return exc.message


async def fetch_certificate(server: Server, address: str, *, network: Network,
                            deadline: Deadline, after_starttls: bool) -> bytes | None:
    """Fetch the server certificate WITHOUT verifying it, to describe why it
    failed. The connection carries no password and is closed at once.
    Returns the DER bytes, or None when they could not be fetched."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    silent = Transcript(enabled=False)
    try:
        conn, _ = await open_connection(network, server.host, server.port, address,
                                        deadline=deadline, timeout=network.timeouts.request,
                                        transcript=silent, server_label=server.url)
    except SetupWizardError:
        return None
    try:
        if after_starttls:
            client = CLIENTS[server.protocol](conn)
            await client.greet()
            if server.protocol == "smtp":
                await client.capabilities()
            if not (await client.starttls()).ok:
                return None
        info = await conn.start_tls(context, after_starttls=False)
        return info.certificate_der
    except SetupWizardError:
        return None
    finally:
        conn.close()


#: DNSError.kind -> what went wrong, in words (JSON keeps the kind)
DNS_TROUBLE_WORDS = {
    DNS_TIMEOUT: msg("the name service (DNS) did not answer in time"),
    DNS_SERVFAIL: msg("the name service (DNS) had a fault of its own"),
    DNS_REFUSED: msg("the name service (DNS) refused the question"),
    DNS_NO_NAMESERVERS: msg("this computer has no name service (DNS) set up"),
    DNS_ERROR: msg("the answer of the name service (DNS) could not be used"),
}


def _prose_dates(facts) -> dict[str, Message]:
    """The certificate's dates for sentences (see setupwizard.dates)."""
    from ..dates import prose_date
    out = {}
    if facts.not_after is not None:
        out["valid_until"] = prose_date(facts.not_after)
    if facts.not_before is not None:
        out["valid_from"] = prose_date(facts.not_before)
    return out


#: the findings for an answer about the name; every other DNSError.kind (a
#: DNS server's trouble, errors.DNS_SERVER_TROUBLE) is dns.failure
DNS_FINDINGS = {DNS_NXDOMAIN: "dns.nxdomain", DNS_NO_ADDRESS: "dns.no-address"}


def dns_check(server: Server, exc: DNSError, elapsed_ms: int) -> Check:
    """The finding for a server name that did not resolve: dns.nxdomain
    (the name does not exist), dns.no-address, or dns.failure (the DNS
    server did not answer or failed; ``kind`` says how) - never "check the
    spelling" for a DNS server's trouble."""
    finding = DNS_FINDINGS.get(exc.kind, "dns.failure")
    details: dict[str, object] = {"host": server.host, "kind": exc.kind}
    if finding == "dns.failure":
        details["why"] = DNS_TROUBLE_WORDS.get(exc.kind, DNS_TROUBLE_WORDS[DNS_ERROR])
    return Check(finding, "fail", server.url, None, details, elapsed_ms)


async def probe_server(server: Server, *, network: Network, credentials: Credentials | None,
                       options: ProbeOptions, transcript: Transcript, deadline: Deadline
                       ) -> tuple[list[str], list[Check]]:
    """Every check for one server: DNS, then all its addresses at once (as
    tasks; each step bounded by ``network.timeouts.request`` capped by
    ``deadline``). Returns (addresses, checks); never raises for network
    trouble. Cancelling it cancels every probe and closes their sockets."""
    start = time.monotonic()
    label = server.url
    try:
        addresses = await network.dns.resolve_host(
            server.host, timeout=deadline.cap(network.timeouts.request))
    except DNSError as exc:
        return [], [dns_check(server, exc, int((time.monotonic() - start) * 1000))]
    elapsed = int((time.monotonic() - start) * 1000)
    checks = [Check("dns.ok", "pass", label, None,
                    {"host": server.host, "addresses": ", ".join(addresses)}, elapsed)]
    # IPv4 first in the login order: it is the path most clients take
    ordered = sorted(addresses, key=lambda a: ":" in a)
    claim = LoginClaim(ordered)
    probes = [Probe(server, address, network=network, credentials=credentials,
                    options=options, transcript=transcript, claim=claim, deadline=deadline)
              for address in ordered]
    # every step of a probe is bounded by the deadline, so they all end by
    # it; Probe.run never raises but for cancellation
    async with asyncio.TaskGroup() as group:
        for probe in probes:
            group.create_task(probe.run())
    results = {probe.address: probe.checks for probe in probes}
    for address in ordered:
        checks.extend(results[address])
    v6_bad = [a for a in ordered if ":" in a and _worst(results[a]) == "fail"]
    v4_good = [a for a in ordered if ":" not in a and _worst(results[a]) != "fail"]
    if v6_bad and v4_good:
        checks.append(Check("connect.ipv6-broken", "warn", label, None,
                            {"host": server.host, "addresses": ", ".join(v6_bad)}))
    return addresses, checks


def _worst(checks: list[Check]) -> str:
    order = {"skip": 0, "pass": 1, "warn": 2, "fail": 3}
    return max((c.status for c in checks), key=lambda s: order[s], default="fail")

"""The test lab: real DNS, web, blackhole and hostile DNS peers on loopback,
plus real (Dovecot) and hostile mail servers started on first use.

See README.md in this folder. ``Lab.from_scenarios()`` builds a lab serving
every scenario in ``tests/lab/scenarios``; ``start()`` takes a random
127.X.Y.0/24 (X in 100..250), binds the real ports there and starts
dnsmasq; ``lab.mail(variant)`` / ``lab.hostile(kind)`` start a mail server
the first time they are asked for it; ``stop()`` (also run at interpreter
exit) tears everything down.
"""

from __future__ import annotations

import atexit
import os
import random
import shutil
import tempfile
import threading
from typing import Iterable

from .blackhole import Blackhole
from .dns import AddressInUse, Dnsmasq, LabSetupError, check_records
from .hostile_dns import HostileDNS
from .mailserver import MailServer
from .spec import HOSTILE_KINDS, LAB_HOSTS, MAIL_VARIANTS, A, Record, Request, Route
from .web import Certificates, RequestLog, WebServer

__all__ = ["Lab", "LabSetupError", "MailServer", "MAIL_VARIANTS", "HOSTILE_KINDS"]

ISPDB_HOST = "ispdb.lab.test"
DNS_PORT = 53


def lab_records() -> list[Record]:
    """Records every lab serves: the ISPDB host, ``NAME.lab.test`` for each
    lab host (web.lab.test, blackhole.lab.test, ...), and wrong-name.test."""
    records: list[Record] = [A(ISPDB_HOST, "web"), A("wrong-name.test", "web-wrongname")]
    records += [A(f"{name}.lab.test", name) for name in LAB_HOSTS]
    return records


def check_routes(routes: Iterable[Route]) -> list[Route]:
    """Drop exact duplicates; refuse two different routes that could answer
    the same request (declared in two scenario files by accident)."""
    unique: list[Route] = []
    for route in routes:
        if any(route == seen for seen in unique):
            continue
        for seen in unique:
            if (seen.host, seen.path) == (route.host, route.path) \
                    and (None in (seen.scheme, route.scheme) or seen.scheme == route.scheme) \
                    and _methods_overlap(seen.methods, route.methods):
                raise LabSetupError(f"two different routes for {route.host}{route.path}: "
                                    f"{seen!r} and {route!r}")
        unique.append(route)
    return unique


def _methods_overlap(a, b) -> bool:
    return a is None or b is None or bool(set(a) & set(b))


class Lab:
    """Real peers on loopback; see the module docstring and README.md."""

    ispdb_url = f"https://{ISPDB_HOST}/v1.1/"

    def __init__(self, dns: Iterable[Record] = (), http: Iterable[Route] = ()) -> None:
        self.records = check_records(list(dns) + lab_records())
        self.routes = check_routes(http)
        self.prefix: str | None = None
        self.folder: str | None = None
        self._certs: Certificates | None = None
        self._log = RequestLog()
        self._servers: list = []
        self._dnsmasq: Dnsmasq | None = None
        # mail servers, started on first use (see mail() and hostile())
        self._mail_lock = threading.Lock()
        self._mail: dict[tuple[str, str], MailServer] = {}
        self._relay = None
        self._launcher = None

    @classmethod
    def from_scenarios(cls, names: list[str] | None = None) -> "Lab":
        """A lab serving the scenario modules ``names`` (all by default)."""
        from .scenarios import collect
        found = collect(names)
        return cls(found.dns, found.http)

    # -- life cycle --------------------------------------------------------
    def start(self, attempts: int = 20) -> "Lab":
        """Start every peer; returns self. Raises LabSetupError."""
        if self.folder is not None:
            raise LabSetupError("the lab is already running")
        self.folder = tempfile.mkdtemp(prefix="setupwizard-lab-")
        # Dovecot's unprivileged processes (auth as dovecot, mail as nobody)
        # must pass through to their own 0755 folders inside
        os.chmod(self.folder, 0o711)
        atexit.register(self.stop)
        try:
            hosts = {route.host for route in self.routes}
            hosts |= {ISPDB_HOST} | {f"{name}.lab.test" for name in LAB_HOSTS}
            self._certs = Certificates(self.folder, hosts)
            last: Exception | None = None
            for _ in range(attempts):
                self.prefix = f"127.{random.randint(100, 250)}.{random.randint(0, 255)}"
                try:
                    self._start_servers()
                    return self
                except (OSError, AddressInUse) as exc:
                    # someone else uses this /24 (or this port): try another
                    last = exc
                    self._stop_servers()
            raise LabSetupError(f"no free 127.X.Y.0/24 for the lab after {attempts} tries "
                                f"(is something listening on 0.0.0.0 port 53/80/443?): "
                                f"{last}")
        except BaseException:
            self.stop()
            raise

    def _start_servers(self) -> None:
        log, certs = self._log, self._certs
        self._servers.append(HostileDNS("servfail", self.ip("dns-servfail"), DNS_PORT))
        self._servers.append(HostileDNS("refused", self.ip("dns-refused"), DNS_PORT))
        self._servers.append(HostileDNS("silent", self.ip("dns-silent"), DNS_PORT))
        self._servers.append(Blackhole(self.ip("blackhole")))
        routes = self.routes + self._internal_routes()
        self._servers.append(WebServer("web", self.ip("web"), 80, "http", routes, log))
        for name in ("web", "web-untrusted", "web-wrongname"):
            self._servers.append(WebServer(name, self.ip(name), 443, "https", routes, log,
                                           tls=certs.server_context(name)))
        addresses = {name: self.ip(name) for name in LAB_HOSTS}
        self._dnsmasq = Dnsmasq(self.records, ip=self.ip("dns"), port=DNS_PORT,
                                folder=self.folder, addresses=addresses)
        self._dnsmasq.start(probe_name=ISPDB_HOST)
        for server in self._servers:
            if isinstance(server, WebServer):
                server.serve()
            else:
                server.start()

    def _stop_servers(self) -> None:
        if self._dnsmasq is not None:
            self._dnsmasq.stop()
            self._dnsmasq = None
        servers, self._servers = self._servers, []
        for server in servers:
            server.stop()

    def _internal_routes(self) -> list[Route]:
        """Routes on this run's literal addresses (which scenarios cannot
        know): the OAuth2 introspection endpoint Dovecot's oauth2 passdb asks
        (Dovecot resolves names with the system resolver, not the lab DNS)."""
        from .dovecot import OAUTH2_PATH, introspect
        return [Route(self.ip("web"), OAUTH2_PATH, handler=introspect, scheme="http",
                      methods=("POST", "GET"))]

    def _stop_mail(self) -> None:
        with self._mail_lock:
            servers, self._mail = list(self._mail.values()), {}
            relay, self._relay = self._relay, None
            launcher, self._launcher = self._launcher, None
        dovecots = [s for s in servers if hasattr(s, "terminate")]
        for server in dovecots:  # all at once: each takes a moment to wind down
            server.terminate()
        for server in servers:
            if server in dovecots:
                server.wait()
            else:
                server.stop()
        if relay is not None:
            relay.stop()
        if launcher is not None:
            launcher.close()

    def stop(self) -> None:
        """Stop every peer and remove the lab's files; safe to call twice."""
        atexit.unregister(self.stop)
        self._stop_mail()
        self._stop_servers()
        self.prefix = None
        folder, self.folder = self.folder, None
        if folder:
            shutil.rmtree(folder, ignore_errors=True)

    def __enter__(self) -> "Lab":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- where things are --------------------------------------------------
    def ip(self, name: str) -> str:
        """The address of a lab host ("web", "blackhole", "dns-silent", ...)."""
        if self.prefix is None:
            raise LabSetupError("the lab is not running")
        try:
            return f"{self.prefix}.{LAB_HOSTS[name]}"
        except KeyError:
            raise KeyError(f"no lab host {name!r}; known: {', '.join(LAB_HOSTS)}") from None

    def dns_server(self, name: str = "dns") -> tuple[str, int]:
        """(ip, port) of "dns" (dnsmasq) or "dns-servfail"/"dns-refused"/"dns-silent"."""
        if not name.startswith("dns"):
            raise KeyError(f"{name!r} is not a lab DNS server")
        return self.ip(name), DNS_PORT

    @property
    def dns(self) -> tuple[str, int]:
        """(ip, 53) of the lab's dnsmasq."""
        return self.dns_server("dns")

    @property
    def ca_file(self) -> str:
        """PEM file of the lab CA (trusts ``web`` and ``web-wrongname``)."""
        if self._certs is None:
            raise LabSetupError("the lab is not running")
        return self._certs.ca_file

    @property
    def cli_args(self) -> list[str]:
        ip, port = self.dns
        return ["--dns-server", f"{ip}:{port}", "--ca-file", self.ca_file,
                "--ispdb-url", self.ispdb_url]

    def network(self, timeout: float = 5.0, *, dns_server: str = "dns", **options):
        """A setupwizard.net.Network that asks the lab DNS server (or the named
        hostile one) and trusts the lab CA. Extra keywords go to NetOptions."""
        from setupwizard.net import NetOptions, Network
        # like the CLI with cli_args: --ispdb-url names the lab's web server,
        # so redirects may lead to its address
        options.setdefault("redirect_allowed", (ISPDB_HOST,))
        return Network(NetOptions(dns_servers=(self.dns_server(dns_server),),
                                  ca_file=self.ca_file, timeout=timeout, **options))

    @property
    def blackhole_connections(self) -> int:
        """How many TCP connections the blackhole has accepted so far."""
        return sum(s.accepted for s in self._servers if isinstance(s, Blackhole))

    def requests_seen(self, host: str | None = None, path: str | None = None) -> list[Request]:
        """Requests the lab web servers received (all servers, in order),
        optionally only those for ``host`` and/or ``path``."""
        return self._log.find(host, path)

    @property
    def dnsmasq_pid(self) -> int | None:
        """Process id of the lab's dnsmasq while it runs."""
        process = self._dnsmasq.process if self._dnsmasq else None
        return process.pid if process is not None else None

    @property
    def dnsmasq_log(self) -> str:
        """dnsmasq's log so far (it logs every query): handy in failing tests."""
        return self._dnsmasq.diagnostics() if self._dnsmasq else ""

    # -- mail servers (started on first use) -----------------------------------
    def mail(self, variant: str) -> MailServer:
        """The Dovecot instance ``variant`` (see MAIL_VARIANTS), started the
        first time it is asked for (thread-safe); stops with the lab."""
        from .dovecot import OAUTH2_PATH, Dovecot, DovecotError, Launcher, SmtpSink, \
            variant_settings
        variant_settings(variant)  # KeyError for an unknown variant
        with self._mail_lock:
            self._require_running()
            server = self._mail.get(("mail", variant))
            if server is None:
                if self._launcher is None:
                    self._launcher = Launcher()
                if self._relay is None:
                    self._relay = SmtpSink(self.ip("mail-relay")).serve()
                try:
                    server = Dovecot(variant, ip=self.ip(f"mail-{variant}"),
                                     folder=os.path.join(self.folder, f"mail-{variant}"),
                                     certs=self._certs, relay=(self.ip("mail-relay"), 25),
                                     introspection_url=f"http://{self.ip('web')}{OAUTH2_PATH}",
                                     launcher=self._launcher)
                    server.start()
                except (OSError, DovecotError) as exc:
                    raise LabSetupError(f"mail server {variant!r}: {exc}") from exc
                self._mail[("mail", variant)] = server
            return server

    def hostile(self, kind: str) -> MailServer:
        """The hostile mail server ``kind`` (see HOSTILE_KINDS), started the
        first time it is asked for (thread-safe); stops with the lab. It has
        ``received`` (bytes clients sent), ``connections`` and
        ``clear_received()`` besides the MailServer attributes."""
        from .hostile_mail import HostileMailServer
        if kind not in HOSTILE_KINDS:
            raise KeyError(f"no hostile mail kind {kind!r}; known: {', '.join(HOSTILE_KINDS)}")
        with self._mail_lock:
            self._require_running()
            server = self._mail.get(("hostile", kind))
            if server is None:
                leaf = self._certs.issue(f"{kind}.hostile.test", f"hostile-{kind}.lab.test")
                try:
                    server = HostileMailServer(kind, self.ip(f"hostile-{kind}"),
                                               self._certs.context_for(leaf),
                                               os.path.join(self.folder, f"hostile-{kind}.log"))
                except OSError as exc:
                    raise LabSetupError(f"hostile mail server {kind!r}: {exc}") from exc
                server.start()
                self._mail[("hostile", kind)] = server
            return server

    @property
    def relayed_messages(self) -> list[tuple[str, list[str], bytes]]:
        """(MAIL FROM line, RCPT TO lines, data) of every message the Dovecot
        submission services relayed to the lab's SMTP sink."""
        relay = self._relay
        if relay is None:
            return []
        with relay.lock:
            return list(relay.messages)

    def _require_running(self) -> None:
        if self.prefix is None or self._certs is None:
            raise LabSetupError("the lab is not running")

    def __repr__(self) -> str:
        where = f"{self.prefix}.0/24" if self.prefix else "stopped"
        return f"<Lab {where}, {len(self.records)} records, {len(self.routes)} routes>"

"""The test lab: real DNS, web, blackhole and hostile DNS peers on loopback.

See README.md in this folder. ``Lab.from_scenarios()`` builds a lab serving
every scenario in ``tests/lab/scenarios``; ``start()`` takes a random
127.X.Y.0/24 (X in 100..250), binds the real ports there and starts
dnsmasq; ``stop()`` (also run at interpreter exit) tears everything down.
"""

from __future__ import annotations

import atexit
import random
import shutil
import tempfile
from typing import Iterable

from .blackhole import Blackhole
from .dns import AddressInUse, Dnsmasq, LabSetupError, check_records
from .hostile_dns import HostileDNS
from .spec import LAB_HOSTS, A, Record, Request, Route
from .web import Certificates, RequestLog, WebServer

__all__ = ["Lab", "LabSetupError"]

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
        self._servers.append(WebServer("web", self.ip("web"), 80, "http", self.routes, log))
        for name in ("web", "web-untrusted", "web-wrongname"):
            self._servers.append(WebServer(name, self.ip(name), 443, "https", self.routes, log,
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

    def stop(self) -> None:
        """Stop every peer and remove the lab's files; safe to call twice."""
        atexit.unregister(self.stop)
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
        return Network(NetOptions(dns_servers=(self.dns_server(dns_server),),
                                  ca_file=self.ca_file, timeout=timeout, **options))

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

    def __repr__(self) -> str:
        where = f"{self.prefix}.0/24" if self.prefix else "stopped"
        return f"<Lab {where}, {len(self.records)} records, {len(self.routes)} routes>"

"""Issue 9, items 6, 8, 9 and 12, end to end against real peers on loopback:

* 6: a server name from any source (SRV, MX, Autodiscover SRV, clientConfig,
  Autodiscover XML) goes through models.check_hostname; a bad one is dropped
  with a warning naming the source, never a traceback;
* 8: no redirect, from any source, leads to a loopback, link-local,
  private, unspecified, multicast or reserved address the user did not name;
* 9: ports and seconds are ASCII digits only;
* 12: an ISPDB answer reached through a redirect to another domain is
  untrusted, with a warning.

dnsmasq cannot serve a label with an escaped dot, so those tests run their
own tiny DNS server (tests/lab/zone_dns.py, dnspython) on 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import threading

import pytest

from setupwizard.discovery import DiscoveryOptions, discover
from setupwizard.net import NetOptions, Network
from tests.support import assert_clean, run_main
from tests.lab.scenarios.security_b import INTERNAL_TARGETS
from tests.lab.zone_dns import ZoneDNS


# -- helpers --------------------------------------------------------------------

class Listener:
    """A TCP listener on loopback that records whether anyone connected."""

    def __init__(self, ip: str = "127.0.0.1") -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((ip, 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n"
                         b"<clientConfig version='1.1'/>")
            conn.close()

    def close(self) -> None:
        self._stop = True
        self._thread.join(1)
        self.sock.close()


@pytest.fixture
def zone(lab):
    servers = []

    def start(records):
        server = ZoneDNS(records)
        server.start()
        servers.append(server)
        return f"127.0.0.1:{server.port}"
    yield start
    for server in servers:
        server.stop()


def lab_flags(lab, dns=None):
    ip, port = lab.dns
    return ["--dns-server", dns or f"{ip}:{port}", "--ca-file", lab.ca_file,
            "--ispdb-url", lab.ispdb_url]


# -- item 6: one host-name check for every source -------------------------------

def test_check_hostname_rules():
    from setupwizard.models import check_hostname
    assert check_hostname("IMAP.Example.COM.") == "imap.example.com"
    assert check_hostname("bücher.example") == "xn--bcher-kva.example"
    for bad in ("imap\\..srvesc.test", "imap..x.test", "_imaps._tcp.x.test",
                "a_b.x.test", "1.2.3.4", "xn--zz.test", "-a.test", "a" * 64 + ".test",
                "x." * 127 + "test", "", ".", "a b.test", "x.test\x00", None):
        assert check_hostname(bad) is None, bad
    assert check_hostname("[::1]", allow_ip=True) == "::1"
    assert check_hostname("127.0.0.1", allow_ip=True) == "127.0.0.1"


def test_srv_target_with_escaped_dot_is_dropped_not_a_crash(lab, zone):
    """The issue's case: SRV target ``imap\\..srvesc.test`` resolved and
    reached the TLS step, where ssl raised UnicodeError in a worker thread
    (a traceback, reported as a timeout)."""
    healthy = lab.mail("healthy")
    dns = zone({
        ("_imaps._tcp.srvesc.test", "SRV"): ["0 1 993 imap\\..srvesc.test."],
        ("imap\\..srvesc.test", "A"): [healthy.ip],
        ("_submissions._tcp.srvesc.test", "SRV"): [f"0 1 465 {healthy.host}."],
        (healthy.host, "A"): [healthy.ip],
        ("ispdb.lab.test", "A"): [lab.ip("web")],
    })
    flags = lab_flags(lab, dns)
    found = run_main("discover", "alice@srvesc.test", "--json", "--timeout", "2", *flags)
    assert_clean(found)
    result = json.loads(found.stdout)
    assert [s["host"] for s in result["incoming"] + result["outgoing"]] == [healthy.host]
    assert '_imaps._tcp.srvesc.test names "imap\\..srvesc.test", which is not a valid ' \
        'server name; it was ignored' in result["warnings"]

    proc = run_main("diagnose", "alice@srvesc.test", "--no-login", "--json", "--timeout", "2",
                   *flags)
    assert_clean(proc)
    assert "UnicodeError" not in proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    hosts = [s.get("host") for s in _servers(report)]
    assert "imap\\..srvesc.test" not in hosts
    # the good record of the same source is still used, and works
    assert healthy.host in hosts
    assert "timed out" not in proc.stdout


def _servers(report) -> list[dict]:
    found: list[dict] = []

    def walk(value):
        if isinstance(value, dict):
            if "host" in value and "port" in value:
                found.append(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk(report)
    return found


def test_bad_mx_and_autodiscover_srv_names_are_reported(lab, zone):
    dns = zone({
        ("mxesc.test", "MX"): ["10 mx\\.one.mxesc.test."],
        ("_autodiscover._tcp.mxesc.test", "SRV"): ["0 1 443 ad_1.mxesc.test."],
        ("ispdb.lab.test", "A"): [lab.ip("web")],
    })
    ip, port = dns.split(":")
    network = Network(NetOptions(dns_servers=((ip, int(port)),), ca_file=lab.ca_file,
                                 timeout=2))
    from setupwizard.providers import ProviderDatabase
    result = discover("alice@mxesc.test", network=network, providers=ProviderDatabase.load(),
                      options=DiscoveryOptions(ispdb_url=lab.ispdb_url,
                                               only=("mx", "autodiscover")))
    texts = " ".join(str(w) for r in result.sources for w in r.warnings) + \
        " ".join(str(w) for w in result.warnings)
    assert 'MX mxesc.test names "mx\\.one.mxesc.test"' in texts
    assert '_autodiscover._tcp.mxesc.test names "ad_1.mxesc.test"' in texts
    assert not result.found


# -- item 9: ASCII digits only ----------------------------------------------------

@pytest.mark.parametrize("args", [
    ["--imap", "imap.example.test:\u00b2"],          # superscript two
    ["--smtp", "smtp.example.test:\u0663\u0663"],    # Arabic-Indic digits
    ["--pop3", "[::1]:\u00b2"],
    ["--dns-server", "127.0.0.1:\u00b2"],
    ["--dns-server", "[::1]:\u0665\u0663"],
    ["--timeout", "\u0663"],
])
def test_unicode_digits_on_the_command_line_are_usage_errors(args):
    proc = run_main("diagnose", "alice@example.test", "--no-login", *args)
    assert_clean(proc)
    assert proc.returncode == 2, proc.stderr
    assert "setupwizard" in proc.stderr


def test_parse_port_takes_ascii_digits_only():
    from setupwizard.models import parse_port
    assert parse_port("993") == 993
    for bad in ("\u00b2", "\u0663", "\uff19\uff19\uff13", "0", "65536", "+1", "1_0", ""):
        assert parse_port(bad) is None, bad


def test_autodiscover_unicode_port_drops_one_server_not_the_answer(lab):
    result = discover("alice@ad-badport.test", network=lab.network(timeout=2),
                      options=DiscoveryOptions(ispdb_url=lab.ispdb_url,
                                               only=("autodiscover",)))
    assert result.found, result.sources
    assert [s.host for s in result.incoming] == ["imap.ad-badport.test"]
    assert result.outgoing == ()
    notes = " ".join(str(w) for r in result.sources for w in r.warnings) + \
        " ".join(str(n) for n in result.config.notes)
    assert "smtp.ad-badport.test" in notes and "invalid port" in notes
    assert "internal error" not in notes


# -- item 12: a redirected ISPDB answer is untrusted -----------------------------

def test_ispdb_redirect_to_another_domain_is_untrusted(lab):
    result = discover("alice@ispdb-redirect.test", network=lab.network(timeout=2),
                      options=DiscoveryOptions(ispdb_url=lab.ispdb_url,
                                               only=("ispdb",)))
    assert result.found
    assert result.config.source == "ispdb"
    assert result.config.trusted is False
    assert all(not s.trusted for s in result.incoming + result.outgoing)
    warnings = " ".join(str(w) for r in result.sources for w in r.warnings)
    assert "other-ispdb.test" in warnings and "another domain" in warnings


def test_ispdb_without_redirect_stays_trusted(lab):
    result = discover("alice@ispdb-good.test", network=lab.network(timeout=2),
                      options=DiscoveryOptions(ispdb_url=lab.ispdb_url,
                                               only=("ispdb",)))
    assert result.found and result.config.trusted


# -- item 8: no redirect to internal addresses -----------------------------------

@pytest.fixture
def internal_listeners():
    """Listeners where the hostile redirects point (loopback, outside the
    lab's /24); the scenario reads their ports from INTERNAL_TARGETS."""
    listeners = {"ip": Listener("127.77.1.1"), "localhost": Listener("127.0.0.1"),
                 "name": Listener("127.0.0.1")}
    INTERNAL_TARGETS.update({k: v.port for k, v in listeners.items()})
    yield listeners
    INTERNAL_TARGETS.clear()
    for listener in listeners.values():
        listener.close()


@pytest.mark.parametrize("kind", ["ip", "localhost", "name"])
def test_plain_http_autoconfig_never_follows_a_redirect_inside(lab, internal_listeners, kind):
    proc = run_main("discover", f"alice@redir-{kind}.test", "--only", "autoconfig-http",
                   "--json", "--timeout", "2", *lab_flags(lab))
    assert_clean(proc)
    assert internal_listeners[kind].connections == 0
    assert "redirect to an internal address" in proc.stdout, proc.stdout
    assert lab.requests_seen(host=f"autoconfig.redir-{kind}.test")


def test_https_autodiscover_never_follows_a_redirect_inside(lab, internal_listeners):
    proc = run_main("discover", "alice@redir-ad.test", "--only", "autodiscover",
                   "--json", "--timeout", "2", *lab_flags(lab))
    assert_clean(proc)
    assert internal_listeners["name"].connections == 0
    assert "redirect to an internal address" in proc.stdout, proc.stdout


def test_a_redirect_to_an_address_the_user_named_is_followed(lab, internal_listeners):
    """--ispdb-url names the lab web server: a redirect back to that address
    (here from a lab name to the same server) is allowed."""
    network = lab.network(timeout=2)
    assert network.options.redirect_allowed  # the lab, like the CLI, names its ISPDB
    response = network.http("GET", "http://autoconfig.redir-same.test/mail/config-v1.1.xml",
                            redirect_policy=lambda a, b: None)
    assert response.status == 200 and response.redirects
    strict = Network(NetOptions(dns_servers=(lab.dns,), ca_file=lab.ca_file, timeout=2))
    from setupwizard.errors import HTTPError
    with pytest.raises(HTTPError, match="internal address"):
        strict.http("GET", "http://autoconfig.redir-same.test/mail/config-v1.1.xml",
                    redirect_policy=lambda a, b: None)


def _said(result) -> str:
    return " ".join(str(r.detail) + " " + " ".join(str(w) for w in r.warnings)
                    for r in result.sources) + " ".join(str(w) for w in result.warnings)


@pytest.mark.parametrize("address, only, kind", [
    ("alice@redir-ip.test", "autoconfig-http", "ip"),
    ("alice@redir-localhost.test", "autoconfig-http", "localhost"),
    ("alice@redir-name.test", "autoconfig-http", "name"),
    ("alice@redir-ad.test", "autodiscover", "name"),
    ("alice@redir-adurl.test", "autodiscover", "name"),
])
def test_no_source_follows_a_redirect_inside_in_process(lab, internal_listeners, address,
                                                        only, kind):
    """The CLI tests above, through discover() on the asyncio core."""
    with lab.network(timeout=2) as network:
        result = discover(address, network=network,
                          options=DiscoveryOptions(ispdb_url=lab.ispdb_url, only=(only,)))
    assert internal_listeners[kind].connections == 0
    assert "redirect to an internal address" in _said(result), _said(result)


def test_autodiscover_redirect_url_document_never_leads_inside(lab, internal_listeners):
    proc = run_main("discover", "alice@redir-adurl.test", "--only", "autodiscover",
                   "--json", "--timeout", "2", *lab_flags(lab))
    assert_clean(proc)
    assert internal_listeners["name"].connections == 0
    assert "redirect to an internal address" in proc.stdout, proc.stdout


def test_tls_step_refuses_a_bad_server_name_instead_of_crashing(lab):
    """Servers from discovery are checked already; the TLS step checks again,
    since ssl raises UnicodeError (not an SSLError) for such a name."""
    from setupwizard.diagnostics.connection import Transcript
    from setupwizard.diagnostics.engine import LoginClaim, Probe, ProbeOptions
    from setupwizard.models import Server
    from setupwizard.net import Deadline
    healthy = lab.mail("healthy")
    server = Server("imap", "imap\\..srvesc.test", 993, "tls", source="srv")
    network = lab.network(timeout=2)
    probe = Probe(server, healthy.ip, network=network, credentials=None,
                  options=ProbeOptions(login=False), transcript=Transcript(enabled=False),
                  claim=LoginClaim([healthy.ip]), deadline=Deadline(6))
    checks = network.run(probe.run())
    failed = [c for c in checks if c.status == "fail"]
    assert failed and failed[0].id.startswith("tls"), [(c.id, c.status) for c in checks]
    assert not any("timeout" in c.id for c in checks)
    assert "not a valid server name" in str(failed[0].details), failed[0]

"""The diagnostics engine in-process, on the asyncio core, against the lab's
real Dovecot variants, hostile servers and small scripted servers.

The CLI tests (test_diagnose, test_hostile_input, test_trust) check the
same behaviours through a subprocess; these call ``diagnose()`` /
``diagnose_async()`` directly, and add what only in-process code can see:
cancellation leaves no task and no open socket, and the run's deadline
bounds a probe however a server dribbles.
"""

from __future__ import annotations

import asyncio
import base64

import pytest

from setupwizard.diagnostics import ProbeOptions, diagnose, diagnose_async
from setupwizard.models import Server
from tests.lab.scripted import ScriptedServer, Session, echo_smtp

CANARY = "Canary-Pw-7f3a9c"
USER = "alice@lab.test"


def server(protocol: str, host: str, port: int, security: str, **kw) -> Server:
    kw.setdefault("source", "user")
    kw.setdefault("trusted", True)
    return Server(protocol, host, port, security, **kw)


def ids(report, status=None, protocol=None):
    return [c.id for c in report.checks if (status is None or c.status == status)
            and (protocol is None or c.server.startswith(protocol))]


def run(lab, servers, *, password=CANARY, timeout=3.0, dns_server="dns", **kw):
    network = lab.network(timeout=timeout, dns_server=dns_server)
    try:
        report = diagnose(USER, servers, network=network, password=password,
                          record_transcript=True, **kw)
    finally:
        network.close()
    assert CANARY not in repr(report)
    return report


def test_healthy_implicit_tls_and_starttls(lab):
    host = lab.mail("healthy").host
    report = run(lab, [server("imap", host, 993, "tls"), server("pop3", host, 995, "tls"),
                       server("smtp", host, 465, "tls")])
    assert report.verdict == "ok", ids(report, "fail")
    assert ids(report).count("login.ok") == 3
    assert "mailbox.ok" in ids(report) and "mailbox.pop3" in ids(report)
    lines = " ".join(line["line"] for line in report.transcript)
    assert "AUTHENTICATE PLAIN ***" in lines or "AUTH PLAIN ***" in lines
    report = run(lab, [server("imap", host, 143, "starttls"),
                       server("pop3", host, 110, "starttls"),
                       server("smtp", host, 587, "starttls")], password=None)
    assert ids(report).count("starttls.ok") == 3, ids(report, "fail")


@pytest.mark.parametrize("protocol, port", [("imap", 143), ("pop3", 110), ("smtp", 587)])
def test_starttls_injection_stops_before_the_password(lab, protocol, port):
    hostile = lab.hostile("inject")
    report = run(lab, [server(protocol, hostile.host, port, "starttls")], timeout=2.0)
    assert "starttls.injection" in ids(report, "fail"), ids(report)
    assert "login.skipped-unsafe" in ids(report, "skip")
    assert CANARY.encode() not in hostile.received


@pytest.mark.parametrize("kind, port, security, finding", [
    ("garbage", 143, "starttls", "greeting.garbage"),
    ("endless", 143, "starttls", "greeting.too-long"),
    ("drip", 143, "starttls", "greeting.timeout"),
    ("preauth", 143, "starttls", "greeting.preauth"),
    ("reset", 993, "tls", "tls.failed"),
])
def test_hostile_servers(lab, kind, port, security, finding):
    hostile = lab.hostile(kind)
    report = run(lab, [server("imap", hostile.host, port, security)], timeout=2.0)
    assert report.verdict == "problem"
    assert finding in ids(report, "fail"), ids(report)
    assert CANARY.encode() not in hostile.received


@pytest.mark.parametrize("variant, finding", [("expired", "certificate.expired"),
                                              ("selfsigned", "certificate.self-signed")])
def test_certificate_problems_stop_before_the_password(lab, variant, finding):
    host = lab.mail(variant).host
    report = run(lab, [server("imap", host, 993, "tls"), server("smtp", host, 587,
                                                                 "starttls")])
    assert ids(report, "fail", "imap") == [finding]
    assert ids(report, "fail", "smtp") == [finding]
    check = next(c for c in report.checks if c.id == finding)
    assert check.details.get("subject") and check.details.get("not_after")
    assert not any(line["direction"] == "C" and ("AUTH" in line["line"] or "LOGIN" in
                                                 line["line"])
                   for line in report.transcript)


def test_dual_stack_probes_every_address_and_logs_in_once(lab):
    dual = lab.mail("dual")
    report = run(lab, [server("imap", dual.host, dual.ports["imaps"], "tls")])
    assert {c.address for c in report.checks if c.address} >= {"::1", dual.ip}
    assert ids(report).count("login.ok") == 1
    assert ids(report).count("login.skipped-other-address") == 1


def test_unconfirmed_servers_never_get_the_password(lab):
    host = lab.mail("healthy").host
    report = run(lab, [server("imap", host, 993, "tls", source="autoconfig",
                              trusted=False)])
    assert "login.skipped-unconfirmed" in ids(report, "skip")
    assert "login.ok" not in ids(report)
    assert report.servers[0].trust == "unconfirmed"
    assert report.verdict == "warning"


def test_plaintext_needs_explicit_consent(lab):
    host = lab.mail("plaintext").host
    servers = [server("imap", host, 143, "plain")]
    assert "login.skipped-insecure" in ids(run(lab, servers), "skip")
    report = run(lab, servers, options=ProbeOptions(allow_insecure_password=True))
    assert "login.insecure-sent" in ids(report, "warn")
    assert "login.ok" in ids(report, "pass")


# -- honest DNS errors -------------------------------------------------------------

def test_a_missing_name_is_not_a_dns_failure(lab):
    host = lab.mail("healthy").host
    report = run(lab, [server("imap", "no-such-host.mail.test", 993, "tls"),
                       server("smtp", host, 465, "tls")], password=None)
    assert ids(report, "fail", "imap") == ["dns.nxdomain"]
    assert "dns.network-down" not in ids(report)


@pytest.mark.parametrize("dns_server, kind", [("dns-servfail", "servfail"),
                                              ("dns-refused", "refused"),
                                              ("dns-silent", "timeout")])
def test_a_failing_dns_server_says_the_network_is_down(lab, dns_server, kind):
    report = run(lab, [server("imap", "healthy.mail.test", 993, "tls"),
                       server("smtp", "healthy.mail.test", 465, "tls")],
                 password=None, dns_server=dns_server, timeout=1.0)
    failures = [c for c in report.checks if c.id == "dns.failure"]
    assert len(failures) == 2 and {c.details["kind"] for c in failures} == {kind}
    assert "dns.nxdomain" not in ids(report)
    assert ids(report).count("dns.network-down") == 1
    assert report.verdict == "problem"


# -- hostile input (issue 9) in-process ----------------------------------------------

def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_echoed_secrets_are_scrubbed(lab):
    with ScriptedServer(echo_smtp) as smtp:
        report = run(lab, [server("smtp", "127.0.0.1", smtp.port, "plain")],
                     options=ProbeOptions(allow_insecure_password=True))
        assert b64(CANARY).encode() in smtp.received  # the server did get it
    text = repr(report)
    assert b64(CANARY) not in text and CANARY not in text
    failure = next(c for c in report.checks if c.id.startswith("login.")
                   and c.status == "fail")
    assert "your password *** is wrong" in failure.details["response"]


def pop3_says_yes(session: Session) -> None:
    session.send("+OK POP3 ready\r\n")
    while True:
        line = session.read_line()
        verb = line.split(b" ", 1)[0].upper()
        if verb == b"CAPA":
            session.send("+OK\r\nUSER\r\n.\r\n")
        elif verb == b"QUIT":
            session.send("+OK bye\r\n")
            return
        else:
            session.send("+OK\r\n")


def test_line_breaks_in_the_user_name_never_reach_the_server(lab):
    with ScriptedServer(pop3_says_yes) as pop3:
        network = lab.network(timeout=3.0)
        try:
            report = diagnose(USER, [server("pop3", "127.0.0.1", pop3.port, "plain")],
                              network=network, username="alice\r\nDELE 1",
                              password=CANARY,
                              options=ProbeOptions(allow_insecure_password=True))
        finally:
            network.close()
        assert b"DELE" not in pop3.received and CANARY.encode() not in pop3.received
    assert "login.unsafe-value" in ids(report, "fail")


def capability_flood(session: Session) -> None:
    session.send("* OK ready\r\n")
    tag = session.read_line().split(b" ")[0].decode()
    chunk = b"* CAPABILITY IMAP4rev1 " + b"AUTH=X " * 1170 + b"\r\n"
    try:
        for _ in range(20 * 1024 * 1024 // len(chunk)):
            session.send(chunk)
        session.send(f"{tag} OK done\r\n")
    except OSError:
        pass  # the client stopped reading and left: what we want


def test_a_flood_stops_at_the_caps(lab):
    with ScriptedServer(capability_flood) as imap:
        report = run(lab, [server("imap", "127.0.0.1", imap.port, "plain")],
                     password=None, timeout=5.0)
    broken = [c for c in report.checks if c.id == "protocol.broken"]
    assert broken and broken[0].status == "fail"
    assert "far more than any mail server needs" in str(broken[0].details["reason"])
    assert len(report.transcript) <= 5_001


# -- cancellation and the deadline ---------------------------------------------------

def _blackhole(lab):
    from tests.lab.blackhole import Blackhole
    return next(s for s in lab._servers if isinstance(s, Blackhole))


async def _until(condition, what: str) -> None:
    for _ in range(500):  # a bound for a broken test, not a timing assertion
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


def test_cancelling_a_probe_stops_it_and_closes_its_sockets(lab):
    hole = _blackhole(lab)
    network = lab.network(timeout=30.0)
    before = hole.open_connections

    async def scenario():
        task = asyncio.create_task(diagnose_async(
            USER, [server("imap", "blackhole.lab.test", 143, "starttls"),
                   server("pop3", "blackhole.lab.test", 110, "starttls")],
            network=network, password=CANARY))
        await _until(lambda: hole.open_connections >= before + 2,
                     "the probes connected")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert asyncio.all_tasks() == {asyncio.current_task()}
        await _until(lambda: hole.open_connections == before,
                     "the blackhole saw the connections closed")

    try:
        network.run(scenario())
    finally:
        network.close()


def drip_forever(session: Session) -> None:
    """One byte of a greeting that never ends its line, every 0.2 s: each
    read succeeds, so only the run's deadline ends the probe."""
    import time
    try:
        for _ in range(1000):
            session.send("*")
            time.sleep(0.2)
    except OSError:
        pass


def test_a_dribbling_server_ends_at_the_diagnose_deadline(lab):
    with ScriptedServer(drip_forever) as drip:
        network = lab.network(timeout=0.5)
        try:
            report = diagnose(USER, [server("imap", "127.0.0.1", drip.port, "plain")],
                              network=network, password=None)
            limits = network.timeouts
        finally:
            network.close()
    assert ids(report, "fail") == ["greeting.timeout"]
    probe_ms = sum(c.elapsed_ms for c in report.checks)
    diagnose_ms = int(limits.diagnose * 1000)
    # it ran until the deadline (no step timed out: every read got a byte) and
    # stopped there: less than one more step past it
    assert probe_ms >= diagnose_ms - int(limits.request * 1000)
    assert report.elapsed_ms < diagnose_ms + int(limits.request * 1000)

"""The lab's mail servers behave as tests/lab/README.md ("Mail servers")
says: real Dovecot variants (lab.mail) and scripted hostile servers
(lab.hostile), checked with the standard library's own clients (imaplib,
poplib, smtplib, ssl, socket) so the lab is proven independently of
setupwizard's code.

Not built, because this machine cannot or Dovecot 2.3 will not:

* a server that negotiates only TLS 1.0/1.1. OpenSSL 3.0.19 here still
  speaks them at ``@SECLEVEL=0``, but only with a client that lowers its own
  floor; Dovecot 2.3 has ``ssl_min_protocol`` but no maximum, so it always
  picks TLS 1.3 with a modern client. A default client context
  (``ssl.create_default_context()``) refuses TLS < 1.2 anyway and sees a
  handshake failure ("tlsv1 alert protocol version").
* a certificate chain with a missing intermediate: trustme can build one
  (``CA.create_child_ca``) but no variant asks for it yet.
* a broken IPv6 path beside a working IPv4 one: the only IPv6 loopback
  address is ::1 and adding others would change the machine's network
  configuration; the ``dual`` variant answers on both.
"""

from __future__ import annotations

import base64
import imaplib
import os
import poplib
import select
import smtplib
import socket
import ssl
import threading
import time

import pytest

from tests.lab import HOSTILE_KINDS, MAIL_VARIANTS, Lab
from tests.lab.dovecot import OAUTH2_PATH, live_group_members
from tests.lab.hostile_mail import ESCAPE_TEXT, GARBAGE, INJECTED, PROVIDER_ERRORS
from tests.lab.mailserver import (ALICE, CANARY_PASSWORD, DISABLED_REASON, DISABLED_USER,
                                  OAUTH2_VALID_TOKEN, STANDARD_PORTS)

WRONG = "not-the-password"
TIMEOUT = 5


# -- helpers ------------------------------------------------------------------------

@pytest.fixture
def names(lab, monkeypatch):
    """The system resolver knows nothing of the lab's names: let the
    standard library clients use them by mapping each server's host name to
    its address (the DNS records themselves are tested separately)."""
    table = {f"{v}.mail.test": lab.ip(f"mail-{v}") for v in MAIL_VARIANTS}
    table.update({f"{k}.hostile.test": lab.ip(f"hostile-{k}") for k in HOSTILE_KINDS})
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if isinstance(host, str) and host.lower() in table:
            host = table[host.lower()]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


@pytest.fixture(scope="module")
def ctx(lab):
    """A verifying client context that trusts the lab CA."""
    return ssl.create_default_context(cafile=lab.ca_file)


def xoauth2(user: str, token: str) -> bytes:
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


def oauthbearer(user: str, token: str) -> bytes:
    return f"n,a={user},\x01auth=Bearer {token}\x01\x01".encode()


def imap_sasl(client: imaplib.IMAP4, mechanism: str, first: bytes) -> tuple[str, list[bytes]]:
    """AUTHENTICATE with an initial message; answers a failure challenge
    (RFC 7628 error JSON) with an empty line. Returns (result, challenges)."""
    challenges: list[bytes] = []

    def respond(challenge: bytes) -> bytes:
        challenges.append(challenge)
        return first if len(challenges) == 1 else b""

    try:
        typ, _ = client.authenticate(mechanism, respond)
        return typ, challenges
    except imaplib.IMAP4.error as exc:
        return f"NO {exc}", challenges


def close_quietly(client) -> None:
    """Close a stdlib client whose socket a failed TLS upgrade left broken
    (its ``with`` block would try to log out on it)."""
    for name in ("file", "sock"):
        try:
            getattr(client, name).close()
        except (AttributeError, OSError):
            pass


def raw(ip: str, port: int, *, tls_name: str | None = None, ctx=None, timeout=TIMEOUT):
    sock = socket.create_connection((ip, port), timeout=timeout)
    if tls_name is not None:
        sock = ctx.wrap_socket(sock, server_hostname=tls_name)
    return sock


def read_until(sock, marker: bytes, limit: float = TIMEOUT) -> bytes:
    data = b""
    end = time.monotonic() + limit
    while marker not in data and time.monotonic() < end:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def dovecot_pids(folder: str) -> list[int]:
    """Live Dovecot masters running with a configuration inside ``folder``,
    and every live process in their process groups (login, auth, imap...)."""
    masters = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if cmdline.startswith(b"/usr/sbin/dovecot\0") and folder.encode() in cmdline:
            masters.append(int(pid))
    return sorted({p for master in masters for p in live_group_members(master)})


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# -- life cycle ---------------------------------------------------------------------

def test_mail_servers_start_lazily_fast_once_and_stop_with_the_lab():
    extra = Lab()
    extra.start()
    try:
        assert not dovecot_pids(extra.folder)  # nothing runs before it is asked for
        results = []
        threads = [threading.Thread(target=lambda: results.append(extra.mail("healthy")))
                   for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({id(server) for server in results}) == 1  # one instance, thread-safe
        server = results[0]
        assert server is extra.mail("healthy")
        assert server.ports == STANDARD_PORTS
        with socket.create_connection(server.address("imap"), timeout=TIMEOUT) as sock:
            assert sock.recv(200).startswith(b"* OK ")
        hostile = extra.hostile("drip")
        assert hostile is extra.hostile("drip")
        pid, folder = server.pid, extra.folder
        running = dovecot_pids(folder)
        assert pid in running and len(running) > 2  # master, log, config, anvil, ...
    finally:
        extra.stop()
    assert not os.path.exists(f"/proc/{pid}")  # the master is stopped and reaped
    assert not dovecot_pids(folder)
    assert not [p for p in running if alive(p)]
    with pytest.raises(OSError):
        socket.create_connection(server.address("imaps"), timeout=1).close()


def test_unknown_variant_or_kind_is_a_key_error(lab):
    with pytest.raises(KeyError):
        lab.mail("nonsense")
    with pytest.raises(KeyError):
        lab.hostile("nonsense")


def test_mail_server_objects(lab):
    server = lab.mail("healthy")
    assert (server.variant, server.host, server.ip) == ("healthy", "healthy.mail.test",
                                                       lab.ip("mail-healthy"))
    assert server.ports == {"imaps": 993, "imap": 143, "pop3s": 995, "pop3": 110,
                            "submissions": 465, "submission": 587}
    assert server.users == {ALICE: CANARY_PASSWORD}
    end = time.monotonic() + 3  # Dovecot's log process writes its first line a moment later
    while "starting up" not in server.log() and time.monotonic() < end:
        time.sleep(0.02)
    assert "starting up" in server.log()
    assert lab.mail("nostarttls").ports == {"imap": 143, "pop3": 110, "submission": 587}
    assert lab.mail("plaintext").ports == {"imap": 143, "pop3": 110, "submission": 587}
    assert lab.hostile("inject").ports == {"imap": 143, "pop3": 110, "submission": 587}
    assert lab.hostile("preauth").ports == {"imap": 143, "imaps": 993}
    assert lab.hostile("provider-errors").ports == {"imaps": 993, "pop3s": 995,
                                                    "submissions": 465}
    assert lab.hostile("garbage").host == "garbage.hostile.test"


# -- healthy ---------------------------------------------------------------------------

def test_healthy_imaps_login_folders_and_messages(lab, names, ctx):
    server = lab.mail("healthy")
    with imaplib.IMAP4_SSL(server.host, 993, ssl_context=ctx, timeout=TIMEOUT) as client:
        assert client.login(ALICE, CANARY_PASSWORD)[0] == "OK"
        typ, folders = client.list()
        assert typ == "OK"
        assert sorted(line.rsplit(b" ", 1)[1] for line in folders) == [
            b"Drafts", b"INBOX", b"Sent", b"Trash"]
        typ, count = client.select("INBOX", readonly=True)
        assert (typ, count) == ("OK", [b"3"])


def test_healthy_imap_starttls_and_no_cleartext_login(lab, names, ctx):
    server = lab.mail("healthy")
    with imaplib.IMAP4(server.host, 143, timeout=TIMEOUT) as client:
        assert "STARTTLS" in client.capabilities and "LOGINDISABLED" in client.capabilities
        with pytest.raises(imaplib.IMAP4.error, match=r"\[PRIVACYREQUIRED\]"):
            client.login(ALICE, CANARY_PASSWORD)
    with imaplib.IMAP4(server.host, 143, timeout=TIMEOUT) as client:
        client.starttls(ssl_context=ctx)
        assert "AUTH=PLAIN" in client.capabilities and "LOGINDISABLED" not in client.capabilities
        assert client.login(ALICE, CANARY_PASSWORD)[0] == "OK"


def test_healthy_pop3(lab, names, ctx):
    server = lab.mail("healthy")
    client = poplib.POP3_SSL(server.host, 995, context=ctx, timeout=TIMEOUT)
    client.user(ALICE)
    assert client.pass_(CANARY_PASSWORD).startswith(b"+OK")
    assert client.stat()[0] == 3
    client.quit()
    client = poplib.POP3(server.host, 110, timeout=TIMEOUT)
    assert "STLS" in client.capa() and "USER" not in client.capa()
    with pytest.raises(poplib.error_proto, match=r"\[AUTH\] Plaintext authentication"):
        client.user(ALICE)
    client.stls(context=ctx)
    client.user(ALICE)
    client.pass_(CANARY_PASSWORD)
    assert client.stat()[0] == 3
    client.quit()


def test_healthy_submission_both_ports_and_the_relay(lab, names, ctx):
    server = lab.mail("healthy")
    with smtplib.SMTP_SSL(server.host, 465, context=ctx, timeout=TIMEOUT) as client:
        assert client.login(ALICE, CANARY_PASSWORD)[0] == 235
        # the session keeps working after AUTH: Dovecot reached the lab relay
        assert client.noop()[0] == 250
        assert client.mail(ALICE)[0] == 250
        assert client.rcpt("bob@lab.test")[0] == 250
        assert client.rset()[0] == 250
        client.sendmail(ALICE, ["bob@lab.test"], b"Subject: via the lab\r\n\r\nhello\r\n")
    mail_from, rcpts, data = lab.relayed_messages[-1]
    assert ALICE in mail_from and "bob@lab.test" in rcpts[0] and b"hello" in data
    with smtplib.SMTP(server.host, 587, timeout=TIMEOUT) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        assert not client.esmtp_features.get("auth", "").strip()  # no mechanism before TLS
        client.starttls(context=ctx)
        client.ehlo()
        assert "PLAIN" in client.esmtp_features["auth"]
        assert client.login(ALICE, CANARY_PASSWORD)[0] == 235


def test_wrong_password_everywhere_without_growing_delays(lab, names, ctx):
    """Dovecot 2.3.19 answers a failure after up to 0.5 s even with
    auth_failure_delay = 0; the anvil penalty (which doubles) is off."""
    server = lab.mail("healthy")
    for _ in range(2):  # with the penalty, the second try would wait 2 s first
        with imaplib.IMAP4_SSL(server.host, 993, ssl_context=ctx, timeout=TIMEOUT) as client:
            with pytest.raises(imaplib.IMAP4.error,
                               match=r"\[AUTHENTICATIONFAILED\] Authentication failed\."):
                client.login(ALICE, WRONG)
    # the penalty is off as configured (a sleep is not measured here)
    with open(server.conf_path, encoding="utf-8") as conf:
        assert "unix_listener anvil-auth-penalty {" in conf.read()
    client = poplib.POP3_SSL(server.host, 995, context=ctx, timeout=TIMEOUT)
    client.user("someone-else@lab.test")
    with pytest.raises(poplib.error_proto, match=r"-ERR \[AUTH\] Authentication failed\."):
        client.pass_(WRONG)
    with smtplib.SMTP_SSL(server.host, 465, context=ctx, timeout=TIMEOUT) as client:
        with pytest.raises(smtplib.SMTPAuthenticationError) as failed:
            client.login(ALICE, WRONG)
        assert (failed.value.smtp_code, failed.value.smtp_error) == (
            535, b"5.7.8 Authentication failed.")


def test_disabled_account_reply_text(lab, names, ctx):
    """What Dovecot really sends for a passdb entry with nologin + reason."""
    server = lab.mail("healthy")
    for password in (CANARY_PASSWORD, WRONG):  # the entry has nopassword: any password
        with imaplib.IMAP4_SSL(server.host, 993, ssl_context=ctx, timeout=TIMEOUT) as client:
            with pytest.raises(imaplib.IMAP4.error) as failed:
                client.login(DISABLED_USER, password)
            assert str(failed.value) == f"b'[CONTACTADMIN] {DISABLED_REASON}'"
    client = poplib.POP3_SSL(server.host, 995, context=ctx, timeout=TIMEOUT)
    client.user(DISABLED_USER)
    with pytest.raises(poplib.error_proto) as failed:
        client.pass_(CANARY_PASSWORD)
    assert failed.value.args[0] == f"-ERR [AUTH] {DISABLED_REASON}".encode()
    with smtplib.SMTP_SSL(server.host, 465, context=ctx, timeout=TIMEOUT) as client:
        with pytest.raises(smtplib.SMTPAuthenticationError) as failed:
            client.login(DISABLED_USER, CANARY_PASSWORD)
        assert (failed.value.smtp_code, failed.value.smtp_error) == (
            525, f"5.7.13 {DISABLED_REASON}".encode())


# -- certificates ------------------------------------------------------------------------

@pytest.mark.parametrize("variant, code, message", [
    ("expired", 10, "certificate has expired"),
    ("wrongname", 62, "Hostname mismatch"),
    ("selfsigned", 18, "self-signed certificate"),
])
@pytest.mark.parametrize("service", ["imaps", "pop3s", "submissions"])
def test_bad_certificates_fail_verification(lab, ctx, variant, code, message, service):
    server = lab.mail(variant)
    with socket.create_connection(server.address(service), timeout=TIMEOUT) as sock:
        with pytest.raises(ssl.SSLCertVerificationError) as failed:
            ctx.wrap_socket(sock, server_hostname=server.host)
    assert failed.value.verify_code == code
    assert message in failed.value.verify_message


def test_bad_certificates_on_starttls_ports_too(lab, names, ctx):
    lab.mail("expired"), lab.mail("selfsigned")
    client = imaplib.IMAP4("expired.mail.test", 143, timeout=TIMEOUT)
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate has expired"):
        client.starttls(ssl_context=ctx)
    close_quietly(client)
    client = smtplib.SMTP("selfsigned.mail.test", 587, timeout=TIMEOUT)
    with pytest.raises(ssl.SSLCertVerificationError, match="self-signed"):
        client.starttls(context=ctx)
    close_quietly(client)


def test_what_the_bad_certificates_are(lab, ctx):
    # wrongname: a valid lab-CA certificate, for another name
    server = lab.mail("wrongname")
    with socket.create_connection(server.address("imaps"), timeout=TIMEOUT) as sock:
        with ctx.wrap_socket(sock, server_hostname="other.invalid-name.test") as tls:
            assert tls.recv(100).startswith(b"* OK")
    # selfsigned: issuer is the subject; works once verification is off
    server = lab.mail("selfsigned")
    loose = ssl.create_default_context()
    loose.check_hostname, loose.verify_mode = False, ssl.CERT_NONE
    with imaplib.IMAP4_SSL(server.ip, 993, ssl_context=loose, timeout=TIMEOUT) as client:
        der = client.sock.getpeercert(binary_form=True)
        assert client.login(ALICE, CANARY_PASSWORD)[0] == "OK"
    from cryptography import x509
    cert = x509.load_der_x509_certificate(der)
    assert cert.issuer == cert.subject
    # expired: lab CA, right name, not_after in the past
    server = lab.mail("expired")
    with imaplib.IMAP4_SSL(server.ip, 993, ssl_context=loose, timeout=TIMEOUT) as client:
        cert = x509.load_der_x509_certificate(client.sock.getpeercert(binary_form=True))
    assert cert.not_valid_after_utc.timestamp() < time.time() - 86400
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "expired.mail.test" in names.get_values_for_type(x509.DNSName)


# -- without TLS --------------------------------------------------------------------------

def test_nostarttls_offers_no_tls_and_refuses_cleartext_logins(lab, names):
    server = lab.mail("nostarttls")
    with imaplib.IMAP4(server.host, 143, timeout=TIMEOUT) as client:
        assert "STARTTLS" not in client.capabilities
        assert "LOGINDISABLED" in client.capabilities
        with pytest.raises(imaplib.IMAP4.error, match=r"\[PRIVACYREQUIRED\]"):
            client.login(ALICE, CANARY_PASSWORD)
    client = poplib.POP3(server.host, 110, timeout=TIMEOUT)
    assert "STLS" not in client.capa()
    with pytest.raises(poplib.error_proto, match="Plaintext authentication disallowed"):
        client.user(ALICE)
    client.quit()
    with smtplib.SMTP(server.host, 587, timeout=TIMEOUT) as client:
        client.ehlo()
        assert not client.has_extn("starttls")
        assert not client.esmtp_features.get("auth", "").strip()
        code, text = client.docmd("AUTH", "PLAIN " + base64.b64encode(
            f"\0{ALICE}\0{CANARY_PASSWORD}".encode()).decode())
        assert (code, text) == (523, b"5.7.10 Plaintext authentication disabled.")
    for port in (993, 995, 465):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((server.ip, port), timeout=TIMEOUT).close()


def test_plaintext_allows_logins_without_tls(lab, names):
    server = lab.mail("plaintext")
    with imaplib.IMAP4(server.host, 143, timeout=TIMEOUT) as client:
        assert "STARTTLS" not in client.capabilities
        assert client.login(ALICE, CANARY_PASSWORD)[0] == "OK"
        assert client.select("INBOX", readonly=True)[1] == [b"3"]
    client = poplib.POP3(server.host, 110, timeout=TIMEOUT)
    client.user(ALICE)
    client.pass_(CANARY_PASSWORD)
    assert client.stat()[0] == 3
    client.quit()
    with smtplib.SMTP(server.host, 587, timeout=TIMEOUT) as client:
        assert client.login(ALICE, CANARY_PASSWORD)[0] == 235


# -- OAuth2 --------------------------------------------------------------------------------

def test_oauth2_imap_xoauth2_and_oauthbearer(lab, names, ctx):
    server = lab.mail("oauth2")
    with imaplib.IMAP4_SSL(server.host, 993, ssl_context=ctx, timeout=TIMEOUT) as client:
        assert {"AUTH=XOAUTH2", "AUTH=OAUTHBEARER"} <= set(client.capabilities)
        assert imap_sasl(client, "XOAUTH2", xoauth2(ALICE, OAUTH2_VALID_TOKEN))[0] == "OK"
        assert client.select("INBOX", readonly=True)[1] == [b"3"]
    with imaplib.IMAP4_SSL(server.host, 993, ssl_context=ctx, timeout=TIMEOUT) as client:
        result, challenges = imap_sasl(client, "XOAUTH2", xoauth2(ALICE, "expired-token"))
        assert result.startswith("NO") and "AUTHENTICATIONFAILED" in result
        assert challenges[-1] == b'{"status":"401","schemes":"bearer","scope":"mail"}'
    with imaplib.IMAP4_SSL(server.host, 993, ssl_context=ctx, timeout=TIMEOUT) as client:
        # a valid token, but it belongs to alice
        assert imap_sasl(client, "XOAUTH2",
                         xoauth2("bob@lab.test", OAUTH2_VALID_TOKEN))[0].startswith("NO")
    with imaplib.IMAP4_SSL(server.host, 993, ssl_context=ctx, timeout=TIMEOUT) as client:
        assert imap_sasl(client, "OAUTHBEARER",
                         oauthbearer(ALICE, OAUTH2_VALID_TOKEN))[0] == "OK"
    with imaplib.IMAP4_SSL(server.host, 993, ssl_context=ctx, timeout=TIMEOUT) as client:
        result, challenges = imap_sasl(client, "OAUTHBEARER", oauthbearer(ALICE, "nope"))
        assert result.startswith("NO") and challenges[-1] == b'{"status":"invalid_token"}'
    with imaplib.IMAP4_SSL(server.host, 993, ssl_context=ctx, timeout=TIMEOUT) as client:
        assert client.login(ALICE, CANARY_PASSWORD)[0] == "OK"  # passwords still work
    seen = lab.requests_seen(path=OAUTH2_PATH)
    assert seen and seen[-1].method == "POST" and seen[-1].host == lab.ip("web")


def test_oauth2_submission_and_pop3(lab, names, ctx):
    server = lab.mail("oauth2")
    with smtplib.SMTP_SSL(server.host, 465, context=ctx, timeout=TIMEOUT) as client:
        client.ehlo()
        assert "XOAUTH2" in client.esmtp_features["auth"]
        code, _ = client.docmd("AUTH", "XOAUTH2 " + base64.b64encode(
            xoauth2(ALICE, OAUTH2_VALID_TOKEN)).decode())
        assert code == 235
    with smtplib.SMTP_SSL(server.host, 465, context=ctx, timeout=TIMEOUT) as client:
        client.ehlo()
        code, challenge = client.docmd("AUTH", "XOAUTH2 " + base64.b64encode(
            xoauth2(ALICE, "wrong-token")).decode())
        assert code == 334 and b"401" in base64.b64decode(challenge)
        assert client.docmd("")[0] == 535
    client = poplib.POP3_SSL(server.host, 995, context=ctx, timeout=TIMEOUT)
    assert client._shortcmd("AUTH XOAUTH2 " + base64.b64encode(
        xoauth2(ALICE, OAUTH2_VALID_TOKEN)).decode()).startswith(b"+OK")
    assert client.stat()[0] == 3
    client.quit()


def test_introspection_endpoint_by_name(lab):
    net = lab.network(timeout=2)
    good = net.http("POST", "http://introspect.lab.test/oauth2/introspect",
                    data=f"token={OAUTH2_VALID_TOKEN}".encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert b'"active": true' in good.body and ALICE.encode() in good.body
    bad = net.http("POST", "http://introspect.lab.test/oauth2/introspect", data=b"token=x",
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert bad.body == b'{"active": false}'


# -- dual stack --------------------------------------------------------------------------------

def test_dual_answers_on_ipv4_and_ipv6_on_the_same_random_ports(lab, ctx):
    """Quirk: Dovecot treats a connection as secure when client and server
    address are equal, which on ::1 they always are - so the plain ports
    there allow cleartext logins (no LOGINDISABLED), unlike IPv4."""
    server = lab.mail("dual")
    assert server.ipv6 == "::1"
    assert set(server.ports) == set(STANDARD_PORTS)
    assert len(set(server.ports.values())) == 6
    assert all(port >= 1024 for port in server.ports.values())
    for ip in (server.ip, "::1"):
        with socket.create_connection((ip, server.ports["imaps"]), timeout=TIMEOUT) as sock:
            with ctx.wrap_socket(sock, server_hostname="dual.mail.test") as tls:
                assert tls.recv(200).startswith(b"* OK")
        with socket.create_connection((ip, server.ports["submission"]), timeout=TIMEOUT) as s:
            assert s.recv(200).startswith(b"220 dual.mail.test")
        client = poplib.POP3_SSL(ip, server.ports["pop3s"], timeout=TIMEOUT,
                                 context=named_context(lab.ca_file, "dual.mail.test"))
        assert client.getwelcome().startswith(b"+OK")
        client.quit()
    with imaplib.IMAP4_SSL("::1", server.ports["imaps"], timeout=TIMEOUT,
                           ssl_context=named_context(lab.ca_file, "dual.mail.test")) as client:
        assert client.login(ALICE, CANARY_PASSWORD)[0] == "OK"
    with imaplib.IMAP4(server.ip, server.ports["imap"], timeout=TIMEOUT) as client:
        assert "LOGINDISABLED" in client.capabilities
    with imaplib.IMAP4("::1", server.ports["imap"], timeout=TIMEOUT) as client:
        assert "LOGINDISABLED" not in client.capabilities  # the quirk


def named_context(ca_file: str, name: str) -> ssl.SSLContext:
    """A verifying context that checks ``name`` whatever address the client
    connected to (imaplib passes the address it was given)."""

    class Named(ssl.SSLContext):
        def wrap_socket(self, sock, *args, server_hostname=None, **kwargs):
            return super().wrap_socket(sock, *args, server_hostname=name, **kwargs)

    context = Named(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=ca_file)
    return context


# -- DNS -------------------------------------------------------------------------------------

def _a(net, name):
    return sorted(r.address for r in net.query(name, "A").records)


def test_mail_dns_names(lab):
    net = lab.network(timeout=2)
    for variant in MAIL_VARIANTS:
        assert _a(net, f"{variant}.mail.test") == [lab.ip(f"mail-{variant}")]
    assert [r.address for r in net.query("dual.mail.test", "AAAA").records] == ["::1"]
    for kind in HOSTILE_KINDS:
        assert _a(net, f"{kind}.hostile.test") == [lab.ip(f"hostile-{kind}")]


def test_guessing_domains(lab):
    from setupwizard.errors import DNSError
    net = lab.network(timeout=2)
    for prefix in ("imap", "pop", "smtp"):
        assert _a(net, f"{prefix}.guess.test") == [lab.ip("mail-healthy")]
    for name in ("mail.guess.test", "pop3.guess.test"):
        with pytest.raises(DNSError):
            _a(net, name)
    assert _a(net, "guess.test") == []  # names exist below it: NOERROR without records
    for prefix in ("imap.", "mail.", "pop3.", "pop.", "smtp.", ""):
        assert _a(net, f"{prefix}dead-guess.test") == [lab.ip("blackhole")]
    for prefix in ("imap.", "mail.", "pop3.", "pop.", "smtp.", ""):
        with pytest.raises(DNSError):
            _a(net, f"{prefix}nothing-guess.test")


def test_guessed_names_are_in_the_healthy_certificate(lab, ctx):
    healthy = lab.mail("healthy").ip
    for name in ("imap.guess.test", "pop.guess.test", "smtp.guess.test"):
        with socket.create_connection((healthy, 993), timeout=TIMEOUT) as sock:
            with ctx.wrap_socket(sock, server_hostname=name) as tls:
                assert tls.recv(100).startswith(b"* OK")


def test_dead_guess_blackhole_listens_on_the_mail_ports(lab):
    for port in STANDARD_PORTS.values():
        with socket.create_connection((lab.ip("blackhole"), port), timeout=TIMEOUT) as sock:
            sock.settimeout(0.2)
            with pytest.raises(socket.timeout):
                sock.recv(10)


# -- hostile servers ----------------------------------------------------------------------------

def _open(server, service, ctx):
    tls = service in ("imaps", "pop3s", "submissions")
    return raw(server.ip, server.ports[service], tls_name=server.host if tls else None, ctx=ctx)


def test_garbage_greets_with_binary_garbage_everywhere(lab, ctx):
    server = lab.hostile("garbage")
    for service in STANDARD_PORTS:
        with _open(server, service, ctx) as sock:  # TLS ports: valid certificate first
            data = read_until(sock, GARBAGE[-2:])
        assert data == GARBAGE
        assert not data.startswith((b"* OK", b"+OK", b"220"))


def test_endless_line_never_ends(lab, ctx):
    server = lab.hostile("endless")
    for service in ("imap", "submissions"):
        with _open(server, service, ctx) as sock:
            data = b""
            while len(data) < 1_000_000:
                data += sock.recv(65536)
        assert data.startswith((b"* OK ", b"220 ")) and b"\n" not in data
    with _open(server, "pop3", ctx) as sock:  # still serving after clients hung up
        assert sock.recv(4) == b"+OK "


def test_drip_sends_one_byte_per_second(lab, ctx):
    server = lab.hostile("drip")
    socks = {service: _open(server, service, ctx) for service in ("pop3", "imaps", "submission")}
    got = {service: b"" for service in socks}
    reads = {service: [] for service in socks}
    while any(len(data) < 2 for data in got.values()):
        for sock in select.select(list(socks.values()), [], [], 5)[0]:
            service = next(k for k, v in socks.items() if v is sock)
            piece = sock.recv(100)
            got[service] += piece
            reads[service].append(len(piece))
    for sock in socks.values():
        sock.close()
    # a byte at a time: no read finds more than one byte
    assert all(set(sizes) == {1} for sizes in reads.values()), reads
    assert b"+OK drip.hostile.test POP3 ready.\r\n".startswith(got["pop3"])
    assert b"* OK [CAPABILITY".startswith(got["imaps"])  # TLS ports drip too
    assert b"220 drip.hostile.test".startswith(got["submission"])


@pytest.mark.parametrize("service, command, go_ahead", [
    ("imap", b"A1 STARTTLS\r\n", b"A1 OK Begin TLS\r\n"),
    ("pop3", b"STLS\r\n", b"+OK\r\n"),
    ("submission", b"STARTTLS\r\n", b"220 go ahead\r\n"),
])
def test_inject_adds_a_line_after_the_starttls_go_ahead(lab, ctx, service, command, go_ahead):
    server = lab.hostile("inject")
    server.clear_received()
    proto = {"imap": "imap", "pop3": "pop3", "submission": "smtp"}[service]
    with _open(server, service, ctx) as sock:
        read_until(sock, b"\r\n")
        if service == "submission":
            sock.sendall(b"EHLO me\r\n")
            assert read_until(sock, b"250 STARTTLS\r\n").endswith(b"250 STARTTLS\r\n")
        sock.sendall(command)
        time.sleep(0.2)  # the go-ahead and the injection arrive together
        data = sock.recv(65536)
        assert data == go_ahead + INJECTED[proto]
        with ctx.wrap_socket(sock, server_hostname=server.host) as tls:  # TLS still works
            if proto == "imap":
                tls.sendall(b"A2 CAPABILITY\r\n")
                assert b"AUTH=PLAIN" in read_until(tls, b"A2 OK")
                tls.sendall(b"A3 LOGOUT\r\n")
            elif proto == "pop3":
                tls.sendall(b"CAPA\r\n")
                assert b"SASL PLAIN" in read_until(tls, b"\r\n.\r\n")
            else:
                tls.sendall(b"EHLO me\r\n")
                assert b"250 AUTH PLAIN LOGIN\r\n" in read_until(tls, b"LOGIN\r\n")
    assert command in server.received
    assert CANARY_PASSWORD.encode() not in server.received


def test_inject_is_invisible_to_the_stdlib_clients(lab, names, ctx):
    """The pitfall the diagnostics must avoid: imaplib drops the injected
    line silently and logs in as if nothing had happened."""
    server = lab.hostile("inject")
    with imaplib.IMAP4(server.host, 143, timeout=TIMEOUT) as client:
        client.starttls(ssl_context=ctx)
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            client.login(ALICE, "whatever")


def test_preauth_greeting(lab, ctx):
    server = lab.hostile("preauth")
    for service in ("imap", "imaps"):
        with _open(server, service, ctx) as sock:
            greeting = read_until(sock, b"\r\n")
            assert greeting.startswith(b"* PREAUTH ")
            sock.sendall(b"A1 STARTTLS\r\n")
            assert read_until(sock, b"\r\n").startswith(b"A1 BAD")


def test_escape_sequences_in_every_greeting(lab, ctx):
    server = lab.hostile("escape")
    prefix = {"imap": b"* OK ", "pop3": b"+OK ", "smtp": b"220 "}
    for service in STANDARD_PORTS:
        proto = {"imaps": "imap", "imap": "imap", "pop3s": "pop3", "pop3": "pop3"}.get(
            service, "smtp")
        with _open(server, service, ctx) as sock:
            greeting = read_until(sock, b"\r\n")
        assert greeting == prefix[proto] + ESCAPE_TEXT.encode() + b"\r\n"
        assert b"\x1b[2J" in greeting and b"\x07" in greeting


def test_escape_sequences_in_login_failures_too(lab, names, ctx):
    server = lab.hostile("escape")
    with imaplib.IMAP4_SSL(server.host, 993, ssl_context=ctx, timeout=TIMEOUT) as client:
        with pytest.raises(imaplib.IMAP4.error) as failed:
            client.login(ALICE, "whatever")
    assert b"\x1b[2J" in failed.value.args[0]


@pytest.mark.parametrize("service", ["imaps", "pop3s", "submissions"])
def test_reset_during_the_tls_handshake(lab, ctx, service):
    server = lab.hostile("reset")
    sock = socket.create_connection(server.address(service), timeout=TIMEOUT)
    with pytest.raises((ConnectionResetError, ssl.SSLError)):
        ctx.wrap_socket(sock, server_hostname=server.host)
    sock.close()


def test_reset_right_after_starttls(lab, names, ctx):
    server = lab.hostile("reset")
    server.clear_received()
    client = imaplib.IMAP4(server.host, 143, timeout=TIMEOUT)
    assert "STARTTLS" in client.capabilities
    with pytest.raises((ConnectionResetError, ssl.SSLError)):
        client.starttls(ssl_context=ctx)
    close_quietly(client)
    client = poplib.POP3(server.host, 110, timeout=TIMEOUT)
    with pytest.raises((ConnectionResetError, ssl.SSLError)):
        client.stls(context=ctx)
    close_quietly(client)
    client = smtplib.SMTP(server.host, 587, timeout=TIMEOUT)
    with pytest.raises((ConnectionResetError, ssl.SSLError, smtplib.SMTPServerDisconnected)):
        client.starttls(context=ctx)
    close_quietly(client)
    received = server.received
    assert b"STARTTLS" in received and b"STLS" in received
    assert CANARY_PASSWORD.encode() not in received  # what a careful client must ensure
    assert not received.startswith(b"\x16")  # ClientHellos are not recorded


def test_received_records_what_clients_sent(lab, names, ctx):
    server = lab.hostile("reset")
    server.clear_received()
    with socket.create_connection(server.address("imap"), timeout=TIMEOUT) as sock:
        read_until(sock, b"\r\n")
        sock.sendall(b"A1 LOGIN alice@lab.test Canary-Pw-7f3a9c\r\n")  # a careless client
        assert read_until(sock, b"\r\n").startswith(b"A1 NO")
    assert server.received == b"A1 LOGIN alice@lab.test Canary-Pw-7f3a9c\r\n"
    assert server.connections[-1] == ("imap", server.received)
    assert b"Canary-Pw-7f3a9c" in open(server.log_path, "rb").read()


# -- provider-specific errors --------------------------------------------------------------------

@pytest.mark.parametrize("user", sorted(PROVIDER_ERRORS))
def test_provider_errors_imap(lab, names, ctx, user):
    server = lab.hostile("provider-errors")
    expected = PROVIDER_ERRORS[user]["imap"]
    assert expected.startswith("NO ")
    with imaplib.IMAP4_SSL(server.host, 993, ssl_context=ctx, timeout=TIMEOUT) as client:
        with pytest.raises(imaplib.IMAP4.error) as failed:
            client.login(user, CANARY_PASSWORD)
        assert str(failed.value) == repr(expected[3:].encode())
    with imaplib.IMAP4_SSL(server.host, 993, ssl_context=ctx, timeout=TIMEOUT) as client:
        with pytest.raises(imaplib.IMAP4.error) as failed:  # AUTHENTICATE PLAIN, continuation
            client.authenticate("PLAIN", lambda _: f"\0{user}\0{CANARY_PASSWORD}".encode())
        assert str(failed.value) == expected[3:]


@pytest.mark.parametrize("user", sorted(PROVIDER_ERRORS))
def test_provider_errors_pop3(lab, names, ctx, user):
    server = lab.hostile("provider-errors")
    expected = PROVIDER_ERRORS[user]["pop3"].encode()
    client = poplib.POP3_SSL(server.host, 995, context=ctx, timeout=TIMEOUT)
    assert "SASL" in client.capa() and "RESP-CODES" in client.capa()
    client.user(user)
    with pytest.raises(poplib.error_proto) as failed:
        client.pass_(CANARY_PASSWORD)
    assert failed.value.args[0] == expected
    with pytest.raises(poplib.error_proto) as failed:
        client._shortcmd("AUTH PLAIN " + base64.b64encode(
            f"\0{user}\0{CANARY_PASSWORD}".encode()).decode())
    assert failed.value.args[0] == expected
    client.quit()


@pytest.mark.parametrize("user", sorted(PROVIDER_ERRORS))
def test_provider_errors_smtp(lab, names, ctx, user):
    server = lab.hostile("provider-errors")
    expected = PROVIDER_ERRORS[user]["smtp"]
    code = int(expected[:3])
    text = "\n".join(line[4:] for line in expected.split("\r\n")).encode()
    for mechanism in ("PLAIN", "LOGIN"):
        with smtplib.SMTP_SSL(server.host, 465, context=ctx, timeout=TIMEOUT) as client:
            client.ehlo()
            client.user, client.password = user, CANARY_PASSWORD
            auth = client.auth_plain if mechanism == "PLAIN" else client.auth_login
            with pytest.raises(smtplib.SMTPAuthenticationError) as failed:
                client.auth(mechanism, auth)
            assert (failed.value.smtp_code, failed.value.smtp_error) == (code, text)


def test_provider_errors_brief_texts(lab):
    """The exact texts the diagnostics tests rely on."""
    assert PROVIDER_ERRORS["gmail-app@lab.test"]["imap"] == (
        "NO [ALERT] Application-specific password required: "
        "https://support.google.com/accounts/answer/185833 (Failure)")
    assert PROVIDER_ERRORS["gmail-app@lab.test"]["smtp"].startswith(
        "534-5.7.9 Application-specific password required")
    assert PROVIDER_ERRORS["ms-basic@lab.test"]["imap"] == "NO AUTHENTICATE failed."
    assert PROVIDER_ERRORS["ms-basic@lab.test"]["smtp"].startswith(
        "535 5.7.139 Authentication unsuccessful, basic authentication is disabled.")
    assert PROVIDER_ERRORS["yahoo@lab.test"]["imap"] == (
        "NO [AUTHENTICATIONFAILED] LOGIN Invalid credentials")
    assert PROVIDER_ERRORS["yahoo@lab.test"]["smtp"] == (
        "535 5.7.0 (#AUTH005) Too many bad auth attempts.")
    assert PROVIDER_ERRORS["icloud@lab.test"]["imap"] == (
        "NO [AUTHENTICATIONFAILED] Authentication failed.")
    assert PROVIDER_ERRORS["expired@lab.test"]["imap"] == "NO [EXPIRED] Password expired"
    assert PROVIDER_ERRORS["inuse@lab.test"]["pop3"] == "-ERR [IN-USE] Mailbox locked"
    assert PROVIDER_ERRORS["logindelay@lab.test"]["pop3"] == "-ERR [LOGIN-DELAY] Wait a bit"
    assert PROVIDER_ERRORS["sys-temp@lab.test"]["pop3"] == "-ERR [SYS/TEMP] try later"


def test_provider_errors_unknown_user_and_other_mechanisms(lab, names, ctx):
    server = lab.hostile("provider-errors")
    with imaplib.IMAP4_SSL(server.host, 993, ssl_context=ctx, timeout=TIMEOUT) as client:
        with pytest.raises(imaplib.IMAP4.error, match=r"\[AUTHENTICATIONFAILED\]"):
            client.login(ALICE, CANARY_PASSWORD)
    with imaplib.IMAP4_SSL(server.host, 993, ssl_context=ctx, timeout=TIMEOUT) as client:
        with pytest.raises(imaplib.IMAP4.error, match="Unsupported"):
            client.authenticate("XOAUTH2", lambda _: xoauth2(ALICE, "t"))
        assert client.logout()[0] == "BYE"


# -- nothing left behind -----------------------------------------------------------------------

def test_session_lab_dovecots_belong_to_this_lab(lab):
    server = lab.mail("healthy")
    with open(f"/proc/{server.pid}/cmdline", "rb") as cmdline:
        assert lab.folder.encode() in cmdline.read()
    assert server.pid in dovecot_pids(lab.folder)

"""Pure parts of the diagnostics engine: parsing flags, classifying
refusals, certificate name matching, verdicts, redaction. The probes
themselves are tested against Dovecot and hostile servers elsewhere."""

from __future__ import annotations

import pytest

from setupwizard.diagnostics import ServerReport, parse_server_spec, server_status, verdict
from setupwizard.diagnostics.certificates import hostname_matches
from setupwizard.diagnostics.codes import classify_login
from setupwizard.diagnostics.connection import Transcript
from setupwizard.diagnostics.redaction import Redactor
from setupwizard.diagnostics.engine import Check
from setupwizard.diagnostics.protocols import (Credentials, Reply, choose_mechanism,
                                               sasl_plain, sasl_xoauth2)
from setupwizard.errors import UsageError
from setupwizard.explain.findings import FINDINGS
from setupwizard.models import Server


@pytest.mark.parametrize("spec, protocol, expected", [
    ("imap.example.com", "imap", ("imap.example.com", 993, "tls")),
    ("imap.example.com:143", "imap", ("imap.example.com", 143, "starttls")),
    ("imap.example.com/starttls", "imap", ("imap.example.com", 143, "starttls")),
    ("imap.example.com:1143/plain", "imap", ("imap.example.com", 1143, "plain")),
    ("pop.example.com", "pop3", ("pop.example.com", 995, "tls")),
    ("pop.example.com:110", "pop3", ("pop.example.com", 110, "starttls")),
    ("smtp.example.com", "smtp", ("smtp.example.com", 465, "tls")),
    ("smtp.example.com:587", "smtp", ("smtp.example.com", 587, "starttls")),
    ("smtp.example.com/ssl", "smtp", ("smtp.example.com", 465, "tls")),
    ("[::1]:1993/tls", "imap", ("::1", 1993, "tls")),
    ("127.0.0.1:25", "smtp", ("127.0.0.1", 25, "starttls")),
    ("mail.bücher.de", "imap", ("mail.xn--bcher-kva.de", 993, "tls")),
])
def test_parse_server_spec(spec, protocol, expected):
    server = parse_server_spec(spec, protocol)
    assert (server.host, server.port, server.security) == expected
    assert server.source == "user"


@pytest.mark.parametrize("spec", ["host:0", "host:70000", "host:abc", "host/weird",
                                  "bad host", "[::1", ""])
def test_parse_server_spec_rejects(spec):
    with pytest.raises(UsageError):
        parse_server_spec(spec, "imap")


@pytest.mark.parametrize("protocol, reply, expected", [
    ("imap", Reply(False, "NO", "AUTHENTICATIONFAILED", "Authentication failed."),
     "login.wrong-password"),
    ("imap", Reply(False, "NO", "ALERT", "Application-specific password required: "
                   "https://support.google.com/accounts/answer/185833 (Failure)"),
     "login.app-password"),
    ("imap", Reply(False, "NO", None, "AUTHENTICATE failed."), "login.wrong-password"),
    ("imap", Reply(False, "NO", "EXPIRED", "Password expired"), "login.password-expired"),
    ("imap", Reply(False, "NO", "PRIVACYREQUIRED", "Plaintext authentication disallowed "
                   "on non-secure (SSL/TLS) connections."), "login.encryption-required"),
    ("imap", Reply(False, "NO", "UNAVAILABLE", "Temporary authentication failure."),
     "login.temporary"),
    ("imap", Reply(False, "NO", "CONTACTADMIN", "call us"), "login.contact-provider"),
    ("imap", Reply(False, "NO", None, "IMAP access is disabled for your domain."),
     "login.not-allowed"),
    ("pop3", Reply(False, "-ERR", "IN-USE", "Mailbox locked"), "login.in-use"),
    ("pop3", Reply(False, "-ERR", "LOGIN-DELAY", "Wait"), "login.too-soon"),
    ("pop3", Reply(False, "-ERR", "SYS/TEMP", "try later"), "login.temporary"),
    ("pop3", Reply(False, "-ERR", "SYS/PERM", "no"), "login.contact-provider"),
    ("pop3", Reply(False, "-ERR", "AUTH", "Authentication failed."), "login.wrong-password"),
    ("smtp", Reply(False, "535", "5.7.8", "Username and Password not accepted."),
     "login.wrong-password"),
    ("smtp", Reply(False, "534", "5.7.9", "Application-specific password required."),
     "login.app-password"),
    ("smtp", Reply(False, "535", "5.7.139", "Authentication unsuccessful, basic "
                   "authentication is disabled."), "login.oauth2-required"),
    ("smtp", Reply(False, "550", "5.7.30", "Basic authentication is not supported for "
                   "Client Submission."), "login.oauth2-required"),
    ("smtp", Reply(False, "535", "5.7.0", "(#AUTH005) Too many bad auth attempts."),
     "login.too-many-attempts"),
    ("smtp", Reply(False, "538", "5.7.11", "Encryption required"),
     "login.encryption-required"),
    ("smtp", Reply(False, "454", "4.7.0", "Temporary failure"), "login.temporary"),
    ("smtp", Reply(False, "500", None, "whatever"), "login.failed"),
])
def test_classify_login(protocol, reply, expected):
    assert classify_login(protocol, reply) == expected


def test_microsoft_ambiguous_refusal_reads_as_oauth2_when_provider_needs_it():
    reply = Reply(False, "NO", None, "LOGIN failed.")
    assert classify_login("imap", reply) == "login.wrong-password"
    assert classify_login("imap", reply, oauth2_expected=True) == "login.oauth2-required"


def test_every_classification_is_a_known_finding():
    from setupwizard.diagnostics import codes
    ids = set(codes.IMAP_CODES.values()) | set(codes.POP3_CODES.values()) | \
        set(codes.SMTP_CODES.values()) | set(codes.SMTP_ENHANCED.values()) | \
        {f for _, f in codes.PROVIDER_TEXTS}
    assert ids <= set(FINDINGS)


@pytest.mark.parametrize("host, names, ok", [
    ("imap.example.com", ("imap.example.com",), True),
    ("imap.example.com", ("*.example.com",), True),
    ("a.b.example.com", ("*.example.com",), False),
    ("example.com", ("*.example.com",), False),
    ("imap.example.com", ("imap.example.org",), False),
    ("IMAP.Example.COM.", ("imap.example.com",), True),
])
def test_hostname_matches(host, names, ok):
    assert hostname_matches(host, names) is ok


def _check(status, address="127.0.0.1", id="connect.ok"):
    return Check(id, status, "imap://h:993", address)


def test_server_status_and_verdict():
    assert server_status([_check("pass"), _check("pass")]) == "pass"
    assert server_status([_check("pass"), _check("fail", "::1")]) == "warn"
    assert server_status([_check("fail"), _check("fail", "::1")]) == "fail"
    assert server_status([Check("dns.nxdomain", "fail", "imap://h:993")]) == "fail"
    imap = Server("imap", "h", 993, "tls")
    pop = Server("pop3", "h", 995, "tls")
    smtp = Server("smtp", "h", 465, "tls")
    assert verdict([ServerReport(imap, (), "pass"), ServerReport(smtp, (), "pass")]) == "ok"
    assert verdict([ServerReport(imap, (), "fail"), ServerReport(pop, (), "pass"),
                    ServerReport(smtp, (), "pass")]) == "warning"
    assert verdict([ServerReport(imap, (), "fail"), ServerReport(smtp, (), "pass")]) == \
        "problem"
    assert verdict([ServerReport(imap, (), "pass"), ServerReport(smtp, (), "fail")]) == \
        "problem"


def test_mechanism_choice():
    pw = Credentials("u", password="p")
    token = Credentials("u", token="t")
    assert choose_mechanism("imap", ["PLAIN", "LOGIN"], pw, frozenset()) == "PLAIN"
    assert choose_mechanism("imap", [], pw, frozenset()) == "LOGIN"
    assert choose_mechanism("imap", [], pw, frozenset({"LOGINDISABLED"})) is None
    assert choose_mechanism("pop3", ["USER"], pw, frozenset()) == "USER"
    assert choose_mechanism("smtp", ["LOGIN"], pw, frozenset()) == "LOGIN"
    assert choose_mechanism("smtp", ["XOAUTH2"], pw, frozenset()) is None
    assert choose_mechanism("imap", ["XOAUTH2", "OAUTHBEARER"], token, frozenset()) == \
        "OAUTHBEARER"


def test_credentials_never_show_secrets_and_transcript_scrubs_them():
    creds = Credentials("alice", password="Canary-Pw-7f3a9c", token="tok-123")
    assert "Canary" not in repr(creds) and "tok-123" not in repr(creds)
    transcript = Transcript(redactor=Redactor(creds.secrets()))
    transcript.add("imap://h:993", None, "S", "echo Canary-Pw-7f3a9c and " + sasl_plain(creds))
    transcript.add("imap://h:993", None, "S", "xo " + sasl_xoauth2(creds))
    text = str(transcript.lines)
    assert "Canary" not in text and sasl_plain(creds) not in text
    assert sasl_xoauth2(creds) not in text
    assert "***" in text


def test_every_finding_has_texts_and_a_fix_where_it_can_fail():
    for finding in FINDINGS.values():
        assert finding.title and finding.explanation
        assert finding.category in {"dns", "connect", "greeting", "tls", "certificate",
                                    "starttls", "capabilities", "auth", "login", "mailbox"}

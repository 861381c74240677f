"""The text report for people: lines that mean nothing to the reader are
left out while all is well; words, dates and DNS trouble in their language."""

from __future__ import annotations

import datetime as dt

import pytest

from setupwizard.diagnostics import Report, ServerReport, parse_server_spec
from setupwizard.diagnostics.engine import Check, dns_check
from setupwizard.errors import DNSError, UsageError
from setupwizard.i18n import Translator
from setupwizard.models import Server
from setupwizard.ui.diagnose_view import check_texts, render_text, report_to_json
from setupwizard.ui.terminal import Style

SERVER = Server(protocol="imap", host="imap.example.test", port=993, security="tls",
                source="user", trusted=True)


def _report(status: str, extra: list[Check] = ()) -> Report:
    url = SERVER.url
    checks = [Check("dns.ok", "pass", url, None, {"host": SERVER.host,
                                                   "addresses": "192.0.2.1"}),
              Check("connect.ok", "pass", url, "192.0.2.1",
                    {"address": "192.0.2.1", "port": 993, "ms": 3}),
              Check("greeting.ok", "pass", url, "192.0.2.1", {"protocol": "IMAP"}),
              Check("capabilities.ok", "pass", url, "192.0.2.1",
                    {"capabilities": "IMAP4rev1 IDLE"}),
              Check("auth.mechanisms", "pass", url, "192.0.2.1", {"mechanisms": "PLAIN"}),
              Check("login.ok", "pass", url, "192.0.2.1", {"username": "bob"}),
              *extra]
    verdict = {"pass": "ok", "warn": "warning", "fail": "problem"}[status]
    return Report("bob@example.test", verdict, (ServerReport(SERVER, ("192.0.2.1",), status),),
                  tuple(checks))


@pytest.mark.parametrize("lang", ["en", "de"])
def test_success_lines_without_meaning_are_hidden_while_all_is_well(lang):
    tr = Translator(lang)
    fine = render_text(_report("pass"), tr, Style(False))
    capabilities = check_texts(_report("pass").checks[3], tr)[0]
    sign_in = check_texts(_report("pass").checks[5], tr)[0]
    assert capabilities not in fine and "IMAP4rev1" not in fine
    assert sign_in in fine
    wrong = Check("mailbox.failed", "fail", SERVER.url, "192.0.2.1", {"reason": "x"})
    troubled = render_text(_report("fail", [wrong]), tr, Style(False))
    assert capabilities in troubled
    # programs still get every check
    ids = [c["id"] for c in report_to_json(_report("pass"), tr)["checks"]]
    assert "capabilities.ok" in ids and "greeting.ok" in ids


@pytest.mark.parametrize("kind, en, de", [
    ("refused", "refused the question", "hat die Anfrage abgelehnt"),
    ("timeout", "did not answer in time", "nicht rechtzeitig geantwortet"),
    ("servfail", "fault of its own", "selbst eine Störung"),
])
def test_dns_trouble_is_said_in_words(kind, en, de):
    check = dns_check(SERVER, DNSError("x", kind=kind, name=SERVER.host), 5)
    title_en, text_en, _ = check_texts(check, Translator("en"))
    title_de, text_de, _ = check_texts(check, Translator("de"))
    assert en in text_en and de in text_de
    assert f"({kind})" not in text_de and kind not in text_de
    assert title_de == "Der Server wurde nicht gefunden"
    assert report_to_json(_report("fail", [check]), Translator("de"))["checks"][-1][
        "details"]["kind"] == kind


def test_certificate_dates_read_as_dates():
    details = {"host": SERVER.host, "not_after": "2026-12-02 14:17 UTC", "days": 3}
    from setupwizard.dates import prose_date
    details["valid_until"] = prose_date(dt.datetime(2026, 12, 2, 11, 0,
                                                    tzinfo=dt.timezone.utc))
    check = Check("certificate.expiring", "warn", SERVER.url, "192.0.2.1", details)
    _, german, _ = check_texts(check, Translator("de"))
    _, english, _ = check_texts(check, Translator("en"))
    assert "2. Dezember 2026" in german and "UTC" not in german and "Tage" not in german
    assert "December 2, 2026" in english


@pytest.mark.parametrize("text, words", [
    ("", "The server name is missing. Type it like this: imap.example.com"),
    ("  ", "The server name is missing"),
    (":993", "The server name is missing"),
    ("bad_name!", "bad_name! is not a server name. A server name looks like this: "
                  "imap.example.com"),
    ("imap.example.com:99999", "must be a number from 1 to 65535, for example "
                               "imap.example.com:993"),
])
def test_a_wrong_server_says_what_is_missing_with_an_example(text, words):
    with pytest.raises(UsageError) as caught:
        parse_server_spec(text, "imap")
    assert words in str(caught.value.message)
    german = Translator("de").render(caught.value.message)
    assert "imap.example.com" in german and german != str(caught.value.message)

"""The ``autodiscover`` source (Microsoft POX Autodiscover): the parser on
bytes, and the source against the real lab (tests/lab/scenarios/autodiscover.py)."""

from __future__ import annotations


import pytest

from setupwizard.formats.autodiscover import (AutodiscoverDocumentError, parse_response,
                                          request_body, security_of)
from setupwizard.discovery.autodiscover import AutodiscoverSource
from setupwizard.discovery.base import Context, DiscoveryOptions
from setupwizard.errors import ConfigDocumentError
from setupwizard.i18n import Message
from setupwizard.models import EmailAddress
from setupwizard.net import Deadline
from tests.lab.scenarios.autodiscover import (BOMB, EXCHANGE_ONLY, HTML, account, error,
                                              protocol, redirect_addr, redirect_url, settings)

# -- parse_response on bytes -----------------------------------------------


def test_parse_settings():
    data = account(protocol("IMAP", "IMAP.Example.test.", 993, SSL="on", SPA="off",
                            LoginName="alice")
                   + protocol("POP3", "pop.example.test", 995)
                   + protocol("SMTP", "smtp.example.test", 587, Encryption="TLS",
                              AuthRequired="on", UsePOPAuth="off"))
    parsed = parse_response(data, address="alice@example.test")
    assert parsed.action == "settings"
    assert parsed.account_type == "email"
    assert not parsed.exchange_only
    imap, pop, smtp = parsed.servers
    assert (imap.protocol, imap.host, imap.port, imap.security) == ("imap", "imap.example.test",
                                                                    993, "tls")
    assert imap.username == "alice"  # LoginName wins
    assert imap.auth == ("password-cleartext",)  # SPA off
    assert pop.username == "alice@example.test"  # no LoginName: the address
    assert pop.auth == ("password-encrypted",)  # missing SPA means on
    assert (smtp.security, smtp.port) == ("starttls", 587)
    assert dict(smtp.extra) == {"auth_required": True, "use_incoming_login": False}
    assert parsed.incoming == (imap, pop) and parsed.outgoing == (smtp,)
    assert all(s.source == "autodiscover" for s in parsed.servers)


def test_parse_without_address_leaves_username_open():
    parsed = parse_response(settings("x.test"))
    assert parsed.servers[0].username is None


@pytest.mark.parametrize("port,ssl,encryption,expected", [
    (993, "on", None, ("tls", False)),
    (993, None, None, ("tls", False)),          # SSL missing means on
    (143, "off", None, ("plain", False)),
    (143, "on", None, ("starttls", True)),      # SSL=on on a STARTTLS port
    (587, "on", None, ("starttls", True)),
    (2525, "on", None, ("tls", False)),
    (143, "off", "SSL", ("tls", False)),        # Encryption overrides SSL
    (993, "on", "TLS", ("starttls", False)),
    (993, "on", "None", ("plain", False)),
    (465, "off", "Auto", ("tls", False)),
    (587, "on", "Auto", ("starttls", False)),
    (2525, "on", "auto", ("tls", False)),
    (2525, "off", "Auto", ("starttls", False)),  # Auto is never plain
])
def test_security(port, ssl, encryption, expected):
    assert security_of(port, ssl, encryption) == expected


def test_parse_notes_starttls_guess_and_bad_servers():
    data = account(protocol("IMAP", "imap.x.test", 143, SSL="on")
                   + protocol("IMAP", "bad host!", 993)
                   + protocol("POP3", "pop.x.test", "99999")
                   + protocol("SMTP", "smtp.x.test", Encryption="Bogus", SSL="off")
                   + protocol("CALDAV", "cal.x.test"))
    parsed = parse_response(data)
    assert [(s.host, s.port, s.security) for s in parsed.servers] == [
        ("imap.x.test", 143, "starttls"), ("smtp.x.test", 587, "plain")]
    text = " | ".join(str(n) for n in parsed.notes)
    assert "read as STARTTLS" in text
    assert "bad host!" in text
    assert "99999" in text
    assert "Bogus" in text
    assert "CALDAV" in text
    assert all(isinstance(n, Message) for n in parsed.notes)


def test_parse_missing_port_uses_the_standard_one():
    parsed = parse_response(account(protocol("IMAP", "imap.x.test")
                                    + protocol("SMTP", "smtp.x.test", SSL="off")))
    assert [(s.port, s.security) for s in parsed.servers] == [(993, "tls"), (587, "plain")]


def test_parse_exchange_only():
    parsed = parse_response(EXCHANGE_ONLY)
    assert parsed.action == "settings"
    assert parsed.exchange_only
    assert parsed.servers == ()
    assert parsed.other_types == ("EXCH", "EXPR", "WEB")


def test_parse_redirects():
    assert parse_response(redirect_addr("bob@y.test")).redirect == "bob@y.test"
    parsed = parse_response(redirect_url("https://y.test/a.xml"))
    assert (parsed.action, parsed.redirect) == ("redirectUrl", "https://y.test/a.xml")
    with pytest.raises(AutodiscoverDocumentError, match="no RedirectUrl"):
        parse_response(account("", "redirectUrl"))


def test_parse_error_form():
    parsed = parse_response(error(600, "Invalid Request"))
    assert (parsed.action, parsed.error_code, parsed.error_message) == \
        ("error", "600", "Invalid Request")


def test_parse_mobilesync_answer_is_exchange_only():
    data = (b'<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/'
            b'responseschema/2006"><Response xmlns="http://schemas.microsoft.com/exchange/'
            b'autodiscover/mobilesync/responseschema/2006"><Action><Settings><Server>'
            b'<Type>MobileSync</Type><Url>https://eas.x.test/</Url></Server></Settings>'
            b'</Action></Response></Autodiscover>')
    assert parse_response(data).exchange_only


XXE = (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/'
       b'responseschema/2006"><Response>&x;</Response></Autodiscover>')


@pytest.mark.parametrize("data,reason", [
    (b"", "empty"),
    (b"  \n", "empty"),
    (HTML, "web page"),
    (BOMB, "DTD"),
    (XXE, "DTD"),
    (settings("x.test")[:300], "not well-formed"),
    (b"\xff\xfe<\x00a\x00", "not well-formed"),
    (b'<?xml version="1.0" encoding="no-such"?><a/>', "not well-formed"),
    (request_body("a@x.test"), "not an Autodiscover response"),
    (b"<Autodiscover/>", "not an Autodiscover response"),
    (b'<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/'
     b'responseschema/2006"/>', "no Response"),
    (account("").replace(b"<Account>", b"<Other>").replace(b"</Account>", b"</Other>"),
     "no Account"),
    (account("", "dance"), "Action dance is unknown"),
    (account("").replace(b"<Action>settings</Action>", b""), "no Action"),
    (b"<a>" * 100_000, "larger than"),
    (b"<" * 300_000, "larger than"),
])
def test_parse_rejects_hostile_documents(data, reason):
    with pytest.raises(ConfigDocumentError) as caught:
        parse_response(data)
    assert reason in str(caught.value)
    assert isinstance(caught.value.reason, Message)


def test_parse_deep_nesting_within_the_cap_is_harmless():
    deep = b"<x>" * 20_000 + b"</x>" * 20_000
    data = account(protocol("IMAP", "imap.x.test", 993) + deep.decode())
    assert parse_response(data).servers[0].host == "imap.x.test"


def test_request_body_escapes_and_names_the_schema():
    body = request_body("a&b@x.test").decode()
    assert "<EMailAddress>a&amp;b@x.test</EMailAddress>" in body
    assert "outlook/requestschema/2006" in body
    assert "outlook/responseschema/2006a</AcceptableResponseSchema>" in body


# -- the source against the lab --------------------------------------------


@pytest.fixture
def run_ad(lab):
    def run(address: str, timeout: float = 2.0, deadline: float = 6.0):
        from setupwizard.runtime import settle
        with lab.network(timeout=timeout) as network:
            ctx = Context(address=EmailAddress.parse(address), network=network,
                          options=DiscoveryOptions(), deadline=Deadline(deadline),
                          providers=None)
            source = AutodiscoverSource()
            return network.run(settle(lambda: source.run(ctx), name=source.name))
    return run


def warnings_text(outcome) -> str:
    return " | ".join(str(w) for w in outcome.warnings)


def test_good(run_ad, lab):
    outcome = run_ad("alice@ad-good.test")
    assert outcome.status == "found", outcome.detail
    config = outcome.config
    assert config.source == "autodiscover" and config.trusted
    assert [(s.host, s.port, s.security) for s in config.incoming] == \
        [("imap.ad-good.test", 993, "tls")]
    assert [(s.host, s.port, s.security) for s in config.outgoing] == \
        [("smtp.ad-good.test", 587, "starttls")]
    assert config.incoming[0].username == "alice@ad-good.test"
    assert config.incoming[0].auth == ("password-cleartext",)
    assert "autodiscover.ad-good.test" in str(outcome.detail)
    seen = [r for r in lab.requests_seen(host="autodiscover.ad-good.test",
                                         path="/autodiscover/autodiscover.xml")
            if r.method == "POST"][0]
    assert seen.scheme == "https"
    assert seen.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert b"<EMailAddress>alice@ad-good.test</EMailAddress>" in seen.body


def test_plain_http_get_never_carries_the_address(run_ad, lab):
    run_ad("alice@ad-good.test")
    plain = [r for r in lab.requests_seen(host="autodiscover.ad-good.test") if r.scheme == "http"]
    assert plain, "the http GET was not made"
    for request in plain:
        assert request.method == "GET" and not request.body and not request.query


def test_best_url_wins_even_when_slower(run_ad):
    outcome = run_ad("alice@ad-priority.test")
    assert outcome.status == "found"
    assert outcome.config.incoming[0].host == "first.ad-priority.test"


def test_redirect_addr_to_another_domain_is_untrusted(run_ad):
    outcome = run_ad("alice@ad-redirect-addr.test")
    assert outcome.status == "found", outcome.detail
    config = outcome.config
    assert config.incoming[0].host == "imap.ad-target.test"
    assert config.incoming[0].username == "alice@ad-target.test"
    assert not config.trusted and not any(s.trusted for s in config.incoming + config.outgoing)
    assert "alice@ad-target.test" in warnings_text(outcome)
    assert "alice@ad-target.test" in str(outcome.detail)


def test_redirect_addr_within_the_base_domain_stays_trusted(run_ad):
    outcome = run_ad("carol@ad-redirect-addr.test")
    assert outcome.status == "found", outcome.detail
    assert outcome.config.trusted
    assert outcome.config.incoming[0].host == "imap.mail.ad-redirect-addr.test"


def test_redirect_addr_to_garbage(run_ad):
    outcome = run_ad("bad@ad-redirect-addr.test")
    assert outcome.status == "error"
    assert "not an e-mail address" in str(outcome.detail)


def test_redirect_url(run_ad):
    outcome = run_ad("alice@ad-redirect-url.test")
    assert outcome.status == "found", outcome.detail
    assert outcome.config.trusted
    assert outcome.config.incoming[0].host == "custom.ad-redirect-url.test"
    assert outcome.config.origin == "https://ad-redirect-url.test/custom/autodiscover.xml"


def test_redirect_url_to_another_domain_is_untrusted(run_ad):
    outcome = run_ad("far@ad-redirect-url.test")
    assert outcome.status == "found", outcome.detail
    assert not outcome.config.trusted
    assert "autodiscover.ad-elsewhere.test" in warnings_text(outcome)


def test_redirect_url_to_plain_http_is_refused(run_ad, lab):
    outcome = run_ad("plain@ad-redirect-url.test")
    assert outcome.status == "error"
    assert "not an https URL" in str(outcome.detail)
    assert not [r for r in lab.requests_seen(host="ad-redirect-url.test",
                                             path="/custom/autodiscover.xml")
                if r.scheme == "http"]


def test_url_loop(run_ad):
    outcome = run_ad("alice@ad-loop.test")
    assert outcome.status == "error"
    assert "loop" in str(outcome.detail)  # found by itself, not cut by the deadline


def test_address_loop(run_ad):
    outcome = run_ad("ping@ad-loop.test")
    assert outcome.status == "error"
    assert "loop" in str(outcome.detail) and "ping@ad-loop.test" in str(outcome.detail)


def test_at_most_three_redirects(run_ad, lab):
    outcome = run_ad("hop1@ad-loop.test")
    assert outcome.status == "error"
    assert "more than 3 times" in str(outcome.detail)
    asked = {r.body for r in lab.requests_seen(host="autodiscover.ad-loop.test")}
    assert not any(b"hop5@" in body for body in asked)


def test_exchange_only(run_ad):
    outcome = run_ad("alice@ad-exchange-only.test")
    assert outcome.status == "not-found"
    detail = str(outcome.detail)
    assert "Exchange-only" in detail and "not IMAP" in detail and "EXCH" in detail


def test_http_redirect_method(run_ad):
    outcome = run_ad("alice@ad-http-redirect.test")
    assert outcome.status == "found", outcome.detail
    assert outcome.config.trusted  # same base domain
    assert "autodiscover-s.ad-http-redirect.test" in str(outcome.detail)


def test_http_redirect_to_another_domain_is_untrusted(run_ad):
    outcome = run_ad("alice@ad-http-far.test")
    assert outcome.status == "found", outcome.detail
    assert not outcome.config.trusted
    assert "ad-outsourced.test" in warnings_text(outcome)


def test_http_redirect_to_http_is_not_followed(run_ad, lab):
    outcome = run_ad("alice@ad-http-plain.test")
    assert outcome.status == "error"
    assert "not https" in str(outcome.detail)
    assert not lab.requests_seen(host="autodiscover.ad-http-plain.test", path="/x.xml")


def test_srv(run_ad):
    outcome = run_ad("alice@ad-srv.test")
    assert outcome.status == "found", outcome.detail
    assert outcome.config.trusted
    assert outcome.config.origin == "https://ad.ad-srv.test/autodiscover/autodiscover.xml"


def test_srv_outside_the_domain_is_untrusted(run_ad):
    outcome = run_ad("alice@ad-srv-outside.test")
    assert outcome.status == "found", outcome.detail
    assert not outcome.config.trusted
    assert "autodiscover.ad-hoster.test" in warnings_text(outcome)


def test_error_code(run_ad):
    outcome = run_ad("alice@ad-error.test")
    assert outcome.status == "error"
    assert "600" in str(outcome.detail)


def test_error_code_unknown_address_is_not_found(run_ad):
    outcome = run_ad("nobody@ad-error.test")
    assert outcome.status == "not-found"
    assert "500" in str(outcome.detail)


def test_login_required(run_ad):
    outcome = run_ad("alice@ad-401.test")
    assert outcome.status == "not-found"
    assert "401" in str(outcome.detail)


@pytest.mark.parametrize("domain,words", [
    ("ad-bomb.test", "DTD"),
    ("ad-html.test", "web page"),
    ("ad-huge.test", "larger than"),
    ("ad-truncated.test", "not well-formed"),
    ("ad-wrongroot.test", "not an Autodiscover response"),
])
def test_hostile_answers(run_ad, domain, words):
    outcome = run_ad(f"alice@{domain}")
    assert outcome.status == "error", outcome.detail
    assert words in str(outcome.detail)


@pytest.mark.parametrize("domain", ["ad-drip.test", "ad-blackhole.test"])
def test_no_hang(run_ad, domain):
    outcome = run_ad(f"alice@{domain}", timeout=0.5, deadline=1.5)
    assert outcome.status == "timeout", outcome.detail
    assert f"autodiscover.{domain}" in str(outcome.detail)
    assert outcome.elapsed_ms < 1.5 * 1000 * 1.5, "the deadline ends it, not something later"


def test_bad_certificate(run_ad):
    outcome = run_ad("alice@ad-badcert.test")
    assert outcome.status == "error"
    assert "autodiscover.ad-badcert.test" in str(outcome.detail)
    assert "secure connection" in str(outcome.detail)


def test_nothing_there(run_ad):
    outcome = run_ad("alice@ad-nothing.test")
    assert outcome.status == "not-found"
    assert "does not exist" in str(outcome.detail)


def test_cancelled_stops_at_once_and_leaves_no_task(lab):
    import asyncio

    async def cancel_midway(ctx):
        task = asyncio.create_task(AutodiscoverSource().run(ctx))
        await asyncio.sleep(0.3)  # its requests now hang on the blackhole
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]

    with lab.network(timeout=2) as network:
        ctx = Context(address=EmailAddress.parse("alice@ad-blackhole.test"),
                      network=network, options=DiscoveryOptions(), deadline=Deadline(6),
                      providers=None)
        assert network.run(cancel_midway(ctx)) == []


def test_international_address_is_sent_in_ascii_domain_form(run_ad, lab):
    outcome = run_ad("jörg@bücher-ad.test")
    assert outcome.status == "found", outcome.detail
    assert outcome.config.incoming[0].username == "jörg@xn--bcher-ad-65a.test"
    posts = [r for r in lab.requests_seen(host="autodiscover.xn--bcher-ad-65a.test")
             if r.method == "POST"]
    assert "<EMailAddress>jörg@xn--bcher-ad-65a.test</EMailAddress>".encode() in posts[0].body

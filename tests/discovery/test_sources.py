"""Each discovery source against the real lab (dnsmasq + HTTPS servers)."""

from __future__ import annotations

import random
import time

import pytest

from setupwizard.discovery import DiscoveryOptions, discover
from setupwizard.discovery.autoconfig import (AutoconfigHTTPSource, AutoconfigSource,
                                              WellKnownSource)
from setupwizard.discovery.base import Context
from setupwizard.discovery.ispdb import ISPDBSource
from setupwizard.discovery.mx import MXSource, candidate_domains, registrable_domain
from setupwizard.discovery.srv import SRVSource
from setupwizard.models import EmailAddress
from setupwizard.net import Deadline
from setupwizard.providers import ProviderDatabase


@pytest.fixture(scope="module")
def providers():
    return ProviderDatabase.load()


@pytest.fixture
def run_source(lab, providers):
    def run(source, address, timeout=2.0, deadline=6.0):
        options = DiscoveryOptions(ispdb_url=lab.ispdb_url)
        with lab.network(timeout=timeout) as network:
            ctx = Context(address=EmailAddress.parse(address), network=network,
                          options=options, deadline=Deadline(deadline), providers=providers)
            return network.run(source.run(ctx))
    return run


def text(outcome) -> str:
    return str(outcome.detail) + " " + " ".join(str(w) for w in outcome.warnings)


# -- autoconfig / well-known / autoconfig-http ---------------------------------

def test_autoconfig_finds_and_expands_username(run_source, lab):
    outcome = run_source(AutoconfigSource(), "alice@ac-good.test")
    assert outcome.status == "found"
    config = outcome.config
    assert config.trusted and config.source == "autoconfig"
    assert [s.host for s in config.incoming] == ["imap.ac-good.test", "pop.ac-good.test"]
    assert config.incoming[0].security == "tls" and config.incoming[0].port == 993
    assert config.incoming[0].username == "alice@ac-good.test"
    assert config.outgoing[0].host == "smtp.ac-good.test"
    seen = lab.requests_seen(host="autoconfig.ac-good.test")
    assert seen and seen[-1].query.get("emailaddress") == "alice@ac-good.test"


def test_well_known(run_source):
    outcome = run_source(WellKnownSource(), "bob@wk-good.test")
    assert outcome.status == "found"
    assert outcome.config.incoming[0].host == "imap.wk-good.test"


def test_http_only_is_untrusted_and_does_not_send_the_address(run_source, lab):
    assert run_source(AutoconfigSource(), "carol@http-only.test").status != "found"
    outcome = run_source(AutoconfigHTTPSource(), "carol@http-only.test")
    assert outcome.status == "found"
    assert not outcome.config.trusted
    assert all(not s.trusted for s in outcome.config.incoming)
    for request in lab.requests_seen(host="autoconfig.http-only.test"):
        if request.scheme == "http":
            assert "emailaddress" not in request.query


@pytest.mark.parametrize("domain, status, words", [
    ("ac-404.test", "not-found", "404"),
    ("ac-500.test", "error", "500"),
    ("ac-html.test", "error", "web page"),
    ("ac-bomb.test", "error", "unusable"),
    ("ac-xxe.test", "error", "unusable"),
    ("ac-huge.test", "error", "large"),
    ("ac-huge2.test", "error", "large"),
    ("ac-loop.test", "error", "redirect"),
    ("ac-tohttp.test", "error", "http"),
    ("ac-truncated.test", "error", "unusable"),
    ("ac-wrongroot.test", "error", "unusable"),
    ("ac-untrusted.test", "error", "certificate"),
    ("ac-wrongname.test", "error", "certificate"),
    ("ac-refused.test", "error", "connect"),
    ("no-such-domain.test", "not-found", "does not exist"),
])
def test_autoconfig_faults_are_statuses(run_source, domain, status, words):
    # run through the coordinator's wrapper so raised errors become statuses
    outcome = run_source(_Wrapped(AutoconfigSource()), f"x@{domain}")
    assert outcome.status == status, text(outcome)
    assert words.lower() in text(outcome).lower()


def test_bad_utf8_is_an_error_or_repaired_never_a_crash(run_source):
    outcome = run_source(_Wrapped(AutoconfigSource()), "x@ac-badutf8.test")
    assert outcome.status in ("error", "found")


def test_redirect_to_other_domain_is_untrusted(run_source):
    outcome = run_source(AutoconfigSource(), "x@ac-otherdomain.test")
    assert outcome.status == "found"
    assert not outcome.config.trusted
    assert "ac-good.test" in text(outcome)


def test_blackhole_costs_one_timeout(run_source):
    outcome = run_source(_Wrapped(AutoconfigSource()), "x@ac-slow.test",
                                  timeout=0.5, deadline=5)
    assert outcome.status == "timeout"
    assert outcome.elapsed_ms < 2 * 500, "one request timeout, not the deadline"


def test_drip_trips_the_deadline(run_source):
    outcome = run_source(_Wrapped(AutoconfigSource()), "x@ac-drip.test",
                                  timeout=1.0, deadline=1.5)
    assert outcome.status == "timeout"  # each byte comes in time; the whole does not


class _Wrapped:
    """Runs a source the way the coordinator does (errors -> statuses)."""

    def __init__(self, source):
        self.source = source
        self.name = source.name

    async def run(self, ctx):
        from setupwizard.runtime import settle
        return await settle(lambda: self.source.run(ctx), name=self.name)


# -- ispdb ---------------------------------------------------------------------

def test_ispdb(run_source):
    outcome = run_source(ISPDBSource(), "dora@ispdb-good.test")
    assert outcome.status == "found"
    assert outcome.config.incoming[0].host == "imap.ispdb-good.test"
    assert outcome.config.trusted


def test_ispdb_unknown_domain(run_source):
    outcome = run_source(ISPDBSource(), "dora@unknown-to-ispdb.test")
    assert outcome.status == "not-found"


# -- mx ------------------------------------------------------------------------

def test_registrable_domain_uses_the_public_suffix_list():
    assert registrable_domain("mx01.mail.example.co.uk") == "example.co.uk"
    assert registrable_domain("a.b.example.com") == "example.com"
    assert candidate_domains("mx01.mail.example.co.uk", "x.test") == [
        "mail.example.co.uk", "example.co.uk"]
    assert candidate_domains("mx.example.com", "example.com") == []


def test_mx_pattern_recognises_hosted_mail(run_source):
    outcome = run_source(MXSource(), "eve@mx-hosted.test")
    assert outcome.status == "found"
    assert outcome.config.provider is not None
    assert not outcome.config.trusted
    assert outcome.config.incoming[0].username == "eve@mx-hosted.test"


def test_mx_derived_domain_via_ispdb(run_source):
    outcome = run_source(MXSource(), "frank@mx-derived.test")
    assert outcome.status == "found", text(outcome)
    assert outcome.config.source == "mx"
    assert outcome.config.incoming[0].host == "imap.mailhost-a.test"
    assert outcome.config.incoming[0].username == "frank"
    assert not outcome.config.trusted
    assert "mx1.mailhost-a.test" in text(outcome)


@pytest.mark.parametrize("domain, words", [
    ("mx-null.test", "null MX"),
    ("mx-unknown.test", "nobody-knows"),
    ("nothing-here.test", "does not exist"),
])
def test_mx_not_found(run_source, domain, words):
    outcome = run_source(MXSource(), f"x@{domain}")
    assert outcome.status == "not-found"
    assert words in text(outcome)


# -- srv -----------------------------------------------------------------------

def test_srv_reads_rfc6186_and_8314_records(run_source):
    outcome = run_source(SRVSource(), "gina@srv-good.test")
    assert outcome.status == "found"
    incoming = outcome.config.incoming
    assert [(s.host, s.port, s.security) for s in incoming] == [
        ("imap.srv-good.test", 993, "tls"), ("imap.srv-good.test", 143, "starttls")]
    assert outcome.config.outgoing[0].port == 587
    assert outcome.config.outgoing[0].security == "starttls"
    assert outcome.config.trusted
    assert incoming[0].username == "gina@srv-good.test"
    assert "not offered" in text(outcome) and "_pop3._tcp" in text(outcome)
    assert dict(incoming[0].extra)["dnssec"] is False


def test_srv_priority_order(run_source):
    outcome = run_source(SRVSource(), "x@srv-prio.test")
    assert [s.host for s in outcome.config.incoming] == ["first.srv-prio.test",
                                                         "second.srv-prio.test"]


def test_srv_outside_domain_is_untrusted(run_source):
    outcome = run_source(SRVSource(), "x@srv-outside.test")
    assert outcome.status == "found"
    assert not outcome.config.trusted
    assert "elsewhere.test" in text(outcome)


def test_srv_port_zero_ignored(run_source):
    outcome = run_source(SRVSource(), "x@srv-port0.test")
    assert outcome.status == "found"
    assert not outcome.config.incoming
    assert outcome.config.outgoing[0].port == 465
    assert "port 0" in text(outcome)


def test_srv_explicitly_not_offered(run_source):
    outcome = run_source(SRVSource(), "x@srv-none.test")
    assert outcome.status == "not-found"
    assert "not offered" in text(outcome)


def test_srv_hundreds_of_records_are_capped(run_source):
    outcome = run_source(SRVSource(), "x@srv-many.test")
    assert outcome.status == "found"
    assert len(outcome.config.incoming) == 20
    assert "200" in text(outcome)
    priorities = [dict(s.extra)["priority"] for s in outcome.config.incoming]
    assert priorities == sorted(priorities)


def test_srv_weighted_order_follows_weights():
    from setupwizard.discovery.srv import order_records

    class R:
        def __init__(self, target, weight):
            import dns.name
            self.target, self.port, self.priority, self.weight = \
                dns.name.from_text(target), 993, 0, weight
    rng = random.Random(7)
    firsts = [order_records([R("a.test", 90), R("b.test", 10)], rng)[0].host
              for _ in range(400)]
    assert 300 < firsts.count("a.test") < 395


# -- broken DNS ------------------------------------------------------------------

@pytest.mark.parametrize("server, status", [("dns-servfail", "error"),
                                            ("dns-refused", "error"),
                                            ("dns-silent", "timeout")])
def test_broken_dns_server_gives_error_statuses(lab, providers, server, status):
    from setupwizard.net import NetOptions, Network
    ip, port = lab.dns_server(server)
    network = Network(NetOptions(dns_servers=((ip, port),), ca_file=lab.ca_file,
                                 timeout=1.0))
    with network:
        result = discover("x@srv-good.test", network=network, providers=providers,
                          options=DiscoveryOptions(ispdb_url=lab.ispdb_url))
    assert not result.found
    statuses = {r.name: r.status for r in result.sources}
    assert statuses["srv"] == status
    assert statuses["providers"] == "not-found"


# -- the whole race against the lab ---------------------------------------------

def test_autoconfig_outranks_well_known(lab, providers):
    result = discover("alice@ac-good.test", network=lab.network(timeout=2),
                      providers=providers,
                      options=DiscoveryOptions(ispdb_url=lab.ispdb_url))
    assert result.config.source == "autoconfig"
    assert result.incoming[0].host == "imap.ac-good.test"


def test_higher_ranked_404_lets_ispdb_win(lab, providers):
    result = discover("x@ac-404.test", network=lab.network(timeout=2), providers=providers,
                      options=DiscoveryOptions(ispdb_url=lab.ispdb_url))
    assert result.config.source == "ispdb"
    statuses = {r.name: r.status for r in result.sources}
    assert statuses["autoconfig"] == "not-found"


def test_hanging_lower_ranked_sources_are_cancelled_not_awaited(lab, providers):
    result = discover("x@race.test", network=lab.network(timeout=3), providers=providers,
                      options=DiscoveryOptions(ispdb_url=lab.ispdb_url))
    assert result.config.source == "autoconfig"
    # well-known and autodiscover hang on the blackhole: not awaited but cancelled
    statuses = {r.name: r.status for r in result.sources}
    assert statuses["well-known"] == "cancelled"
    assert statuses["autodiscover"] == "cancelled"


# -- real cancellation ----------------------------------------------------------

async def _other_tasks():
    import asyncio
    return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


def test_losers_send_nothing_once_the_winner_is_known(lab, providers):
    """autoconfig answers after 300 ms while well-known, Autodiscover and
    plain http hang on the blackhole: once discover() returns, no lab server
    sees a new connection or request, and no task of the loop is left."""
    import threading
    threads = set(threading.enumerate())
    with lab.network(timeout=3) as network:
        result = discover("x@race-slow.test", network=network, providers=providers,
                          options=DiscoveryOptions(ispdb_url=lab.ispdb_url))
        requests, connections = len(lab.requests_seen()), lab.blackhole_connections
        # new threads may only be the lab web server's request handlers
        ours = [t for t in set(threading.enumerate()) - threads
                if "process_request" not in t.name]
        assert ours == [], "the lookup runs no thread of its own"
        left = network.run(_other_tasks())
        assert result.config.source == "autoconfig", result.sources
        statuses = {r.name: r.status for r in result.sources}
        assert statuses["well-known"] == "cancelled"
        assert statuses["autodiscover"] == "cancelled"
        assert connections > 0, "the losers were really waiting on the blackhole"
        assert left == []
        time.sleep(0.5)  # anything still running would knock again by now
        assert len(lab.requests_seen()) == requests
        assert lab.blackhole_connections == connections


# -- honest network errors (issue 10, item 5) -----------------------------------

@pytest.mark.parametrize("server", ["dns-servfail", "dns-refused", "dns-silent"])
def test_a_dead_resolver_says_the_network_is_down(lab, providers, server):
    from setupwizard.i18n import Translator
    from setupwizard.ui.discovery_view import render_text, result_to_json
    from setupwizard.ui.terminal import Style
    with lab.network(timeout=0.5, dns_server=server) as network:
        result = discover("x@srv-good.test", network=network, providers=providers,
                          options=DiscoveryOptions(ispdb_url=lab.ispdb_url))
    assert not result.found
    assert result.network_down
    error = str(result.error)
    assert "The name service (DNS) did not answer" in error
    assert "No settings found" not in error and "spelling" not in error
    for lang in ("en", "de"):
        tr = Translator(lang)
        data = result_to_json(result, tr)
        assert data["network_down"] is True and data["error"]
        assert data["error"] in render_text(result, tr, Style(False))
    assert "Der Namensdienst (DNS) hat nicht geantwortet" in result_to_json(result, Translator("de"))["error"]


def test_a_name_that_does_not_exist_is_not_a_network_problem(lab, providers):
    with lab.network(timeout=2) as network:
        result = discover("x@no-such-domain.test", network=network, providers=providers,
                          options=DiscoveryOptions(ispdb_url=lab.ispdb_url))
    assert not result.found and not result.network_down
    assert "does not exist" in str(result.error)


def test_nothing_published_is_plain_not_found(lab, providers):
    with lab.network(timeout=2) as network:
        result = discover("x@mx-unknown.test", network=network, providers=providers,
                          options=DiscoveryOptions(ispdb_url=lab.ispdb_url))
    assert not result.found and not result.network_down
    assert str(result.error) == "No settings found for mx-unknown.test."


def test_dns_health_counts_answers_and_server_trouble():
    from setupwizard.errors import DNSError
    from setupwizard.net.dns import DNSAnswer, DNSHealth
    health = DNSHealth()
    assert not health.down  # nothing asked: nothing to say
    health.note("a.test", "MX", DNSError("t", kind="timeout"))
    health.note("b.test", "A", DNSError("s", kind="servfail"))
    assert health.down
    health.note("c.test", "A", DNSError("n", kind="nxdomain"))
    assert not health.down  # a server answered: the network works
    health.note("d.test", "A", DNSAnswer("d.test", "A"))
    assert health.results[("c.test", "A")] == "nxdomain"
    assert health.results[("d.test", "A")] == "ok"

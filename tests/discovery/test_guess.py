"""Source ``guess`` against the lab: real Dovecot behind guessable names,
a domain whose names all hang, a domain with no names at all, and DNS
servers that fail (which must never read as "the names do not exist")."""

from __future__ import annotations

import pytest

from setupwizard.discovery.base import Context, DiscoveryOptions
from setupwizard.discovery.guess import GuessSource, candidates
from setupwizard.models import EmailAddress
from setupwizard.runtime import Deadline, settle


def guess(lab, address, *, timeout=2.0, dns_server="dns"):
    """Run the guess source alone as discovery runs it (settle maps errors);
    return its Outcome."""
    network = lab.network(timeout=timeout, dns_server=dns_server)
    ctx = Context(EmailAddress.parse(address), network,
                  DiscoveryOptions(only=("guess",), ispdb_url=lab.ispdb_url),
                  Deadline(network.timeouts.lookup), providers=None)
    try:
        return network.run(settle(lambda: GuessSource().run(ctx), name="guess"))
    finally:
        network.close()


def test_candidates_are_ranked_tls_first_imap_before_pop3():
    names = [(s.protocol, s.host, s.port) for s in candidates("d.test")]
    assert names[0] == ("imap", "imap.d.test", 993)
    assert names.index(("pop3", "pop3.d.test", 995)) < names.index(("imap", "imap.d.test",
                                                                     143))
    assert ("smtp", "smtp.d.test", 465) in names and ("smtp", "d.test", 587) in names


def test_guess_finds_dovecot_and_is_untrusted(lab):
    lab.mail("healthy")
    outcome = guess(lab, "alice@guess.test")
    assert outcome.status == "found", outcome
    config = outcome.config
    assert config.source == "guess" and not config.trusted
    first = config.incoming[0]
    assert (first.protocol, first.host, first.port, first.security) == \
        ("imap", "imap.guess.test", 993, "tls")
    assert {s.protocol for s in config.incoming} == {"imap", "pop3"}
    assert config.outgoing[0].host == "smtp.guess.test"
    assert config.outgoing[0].security == "tls"
    assert all(not s.trusted for s in config.incoming + config.outgoing)
    assert config.incoming[0].username == "alice@guess.test"
    assert any("common names" in str(w) for w in outcome.warnings)


def test_guess_never_logs_in(lab):
    lab.mail("healthy")
    outcome = guess(lab, "alice@guess.test")
    assert outcome.status == "found"
    # no Check of a login is possible without credentials: the source passes none
    # (ProbeOptions(login=False)); the healthy server would otherwise accept alice


def test_dead_domain_ends_within_the_lookup_deadline(lab):
    outcome = guess(lab, "x@dead-guess.test", timeout=1.0)
    assert outcome.status == "not-found", outcome
    assert outcome.elapsed_ms < 3 * 1000  # the lookup deadline (3 x --timeout)


def test_domain_without_names(lab):
    outcome = guess(lab, "x@nothing-guess.test")
    assert outcome.status == "not-found"
    assert "usual server names" in str(outcome.detail)


@pytest.mark.parametrize("dns_server, status, kind", [
    ("dns-servfail", "error", "servfail"),
    ("dns-refused", "error", "refused"),
    ("dns-silent", "timeout", "timeout"),
])
def test_a_failing_dns_server_is_not_a_missing_name(lab, dns_server, status, kind):
    outcome = guess(lab, "x@nothing-guess.test", timeout=1.0, dns_server=dns_server)
    assert (outcome.status, outcome.kind) == (status, kind), outcome
    assert "usual server names" in str(outcome.detail)
    assert "exist" not in str(outcome.detail)


def test_guess_runs_only_after_every_other_source_failed(lab):
    """Through discover(): needs the async discovery race (ported apart)."""
    from setupwizard.discovery import discover
    from setupwizard.providers import ProviderDatabase
    lab.mail("healthy")
    network = lab.network(timeout=2.0)
    try:
        options = DiscoveryOptions(ispdb_url=lab.ispdb_url)
        result = discover("alice@guess.test", network=network,
                          providers=ProviderDatabase.load(), options=options)
        assert [r.name for r in result.sources][-1] == "guess"
        assert result.config.source == "guess"
        result = discover("alice@ac-good.test", network=network,
                          providers=ProviderDatabase.load(), options=options)
        assert "guess" not in [r.name for r in result.sources]
    finally:
        network.close()

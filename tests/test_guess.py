"""Source ``guess`` against the lab: real Dovecot behind guessable names,
a domain whose names all hang, and a domain with no names at all."""

from __future__ import annotations

import time

from setupwizard.discovery import DiscoveryOptions, discover
from setupwizard.discovery.guess import candidates
from setupwizard.providers import ProviderDatabase


def run(lab, address, **options):
    opts = DiscoveryOptions(**{"timeout": 2.0, "deadline": 8.0, "ispdb_url": lab.ispdb_url,
                               **options})
    start = time.monotonic()
    result = discover(address, network=lab.network(timeout=2.0),
                      providers=ProviderDatabase.load(), options=opts)
    return result, time.monotonic() - start


def test_candidates_are_ranked_tls_first_imap_before_pop3():
    names = [(s.protocol, s.host, s.port) for s in candidates("d.test")]
    assert names[0] == ("imap", "imap.d.test", 993)
    assert names.index(("pop3", "pop3.d.test", 995)) < names.index(("imap", "imap.d.test",
                                                                     143))
    assert ("smtp", "smtp.d.test", 465) in names and ("smtp", "d.test", 587) in names


def test_guess_finds_dovecot_and_is_untrusted(lab):
    lab.mail("healthy")
    result, _ = run(lab, "alice@guess.test", only=("guess",))
    assert result.found
    assert result.config.source == "guess" and not result.config.trusted
    first = result.incoming[0]
    assert (first.protocol, first.host, first.port, first.security) == \
        ("imap", "imap.guess.test", 993, "tls")
    assert {s.protocol for s in result.incoming} == {"imap", "pop3"}
    assert result.outgoing[0].host == "smtp.guess.test"
    assert result.outgoing[0].security == "tls"
    assert all(not s.trusted for s in result.incoming + result.outgoing)
    assert result.incoming[0].username == "alice@guess.test"
    assert any("guess" in str(w).lower() or "common names" in str(w) for w in result.warnings)


def test_guess_runs_only_after_every_other_source_failed(lab):
    lab.mail("healthy")
    result, _ = run(lab, "alice@guess.test")
    names = [r.name for r in result.sources]
    assert names[-1] == "guess"
    assert result.config.source == "guess"
    result, _ = run(lab, "alice@ac-good.test")
    assert "guess" not in [r.name for r in result.sources]


def test_dead_domain_costs_about_one_timeout(lab):
    result, elapsed = run(lab, "x@dead-guess.test", only=("guess",), timeout=1.0)
    assert not result.found
    assert elapsed < 3.0, f"{elapsed:.1f}s: probes must run at once"


def test_domain_without_names(lab):
    result, elapsed = run(lab, "x@nothing-guess.test", only=("guess",))
    assert not result.found
    assert elapsed < 2
    assert "usual server names" in str(result.sources[0].detail)

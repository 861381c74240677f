"""Ranking, racing and cancellation of discovery sources.

These tests script the sources themselves (no network): the coordinator's
rules are about timing and order, and scripted sources let us make one
answer after exactly 0.3 s and another hang. The real sources are tested
against the lab elsewhere.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from setupwizard.discovery import DiscoveryOptions, Outcome, discover
from setupwizard.errors import DNSError, InvalidAddress
from setupwizard.models import AccountConfig, Server
from setupwizard.net import NetOptions, Network


class Scripted:
    def __init__(self, name, delay=0.0, status="found", host=None, exc=None):
        self.name, self.delay, self.status, self.host, self.exc = name, delay, status, host, exc
        self.started = threading.Event()
        self.saw_cancel = threading.Event()

    async def run(self, ctx):
        self.started.set()
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            self.saw_cancel.set()
            raise
        if self.exc:
            raise self.exc
        if self.status != "found":
            return Outcome(self.status, f"{self.name} {self.status}")
        host = self.host or f"imap.{self.name}.test"
        config = AccountConfig(
            incoming=(Server("imap", host, 993, "tls", "u", source=self.name),),
            outgoing=(Server("smtp", f"smtp.{self.name}.test", 465, "tls", "u",
                             source=self.name),),
            source=self.name)
        return Outcome.found(config, "ok")


class NoProviders:
    def by_domain(self, domain):
        return None

    def by_mx(self, host):
        return None


def run(sources, *, timeout=2.0, **options):
    """Discover with scripted sources; the lookup's deadline is 3 x timeout."""
    with Network(NetOptions(timeout=timeout)) as network:
        return discover("alice@example.test", sources=sources,
                        options=DiscoveryOptions(**options), network=network,
                        providers=NoProviders())


def test_highest_ranked_finder_wins_even_if_slower():
    best = Scripted("providers", delay=0.3)
    fast = Scripted("ispdb", delay=0.0)
    result = run([best, fast])
    assert result.config.source == "providers"
    assert result.incoming[0].host == "imap.providers.test"


def test_lower_ranked_hanging_sources_do_not_delay_the_answer():
    winner = Scripted("providers", delay=0.3)
    hangers = [Scripted(n, delay=30) for n in ("srv", "autodiscover", "autoconfig-http")]
    result = run([winner, *hangers])
    assert result.found and result.config.source == "providers"
    # not awaited: cancelled (below) before the lookup's deadline, not timed out
    statuses = {r.name: r.status for r in result.sources}
    assert statuses == {"providers": "found", "srv": "cancelled",
                        "autodiscover": "cancelled", "autoconfig-http": "cancelled"}
    for hanger in hangers:
        assert hanger.saw_cancel.wait(1), "cancelled sources are told to stop"


def test_lower_source_wins_when_higher_ones_find_nothing():
    result = run([Scripted("providers", status="not-found"),
                     Scripted("autoconfig", delay=0.1, exc=DNSError("x", kind="nxdomain")),
                     Scripted("ispdb", delay=0.2)])
    assert result.config.source == "ispdb"
    statuses = [r.status for r in result.sources]
    assert statuses == ["not-found", "error", "found"]


def test_deadline_takes_best_finished_and_marks_others_timeout():
    result = run([Scripted("autoconfig", delay=30), Scripted("ispdb", delay=0.05)],
                          timeout=0.5 / 3)
    assert result.config.source == "ispdb"
    assert {r.name: r.status for r in result.sources}["autoconfig"] == "timeout"


def test_nothing_found_gives_error_and_every_status():
    result = run([Scripted("providers", status="not-found"),
                     Scripted("srv", exc=DNSError("t", kind="timeout"))])
    assert not result.found
    assert result.error is not None
    assert [r.status for r in result.sources] == ["not-found", "timeout"]


def test_a_crashing_source_is_an_error_not_a_traceback():
    class Broken:
        name = "mx"

        async def run(self, ctx):
            raise ZeroDivisionError("boom")
    result = run([Broken(), Scripted("srv")])
    assert result.config.source == "srv"
    assert result.sources[0].status == "error"


def test_only_restricts_sources():
    a, b = Scripted("providers"), Scripted("ispdb")
    result = run([a, b], only=("ispdb",))
    assert [r.name for r in result.sources] == ["ispdb"]
    assert not a.started.is_set()


def test_offline_runs_only_the_database():
    a, b = Scripted("providers", status="not-found"), Scripted("ispdb")
    result = run([a, b], offline=True)
    assert not b.started.is_set()
    assert {r.name: r.status for r in result.sources} == {"providers": "not-found",
                                                           "ispdb": "skipped"}


def test_untrusted_winner_is_flagged_and_disagreement_named():
    untrusted = Scripted("mx")
    orig = untrusted.run

    async def run_untrusted(ctx):
        out = await orig(ctx)
        import dataclasses
        return Outcome.found(dataclasses.replace(out.config, trusted=False))
    untrusted.run = run_untrusted
    result = run([Scripted("providers", status="not-found"), untrusted,
                     Scripted("srv", host="imap.elsewhere.test")])
    texts = [str(w) for w in result.warnings]
    assert any("cannot prove" in t and "example.test" in t for t in texts)


def test_malformed_address_raises_invalid_address():
    with pytest.raises(InvalidAddress):
        discover("not-an-address", sources=[], providers=NoProviders())


def test_disagreeing_sources_give_a_warning_naming_both():
    result = run([Scripted("providers", delay=0.2, host="imap.one.test"),
                     Scripted("ispdb", host="imap.two.test")])
    assert result.config.source == "providers"
    texts = [str(w) for w in result.warnings]
    assert any("providers" in t and "ispdb" in t and "imap.two.test" in t for t in texts)
    assert dict(result.others)["ispdb"].incoming[0].host == "imap.two.test"


def test_rebase_moves_usernames_to_the_other_address():
    from setupwizard.discovery import rebase
    from setupwizard.models import DiscoveryResult, EmailAddress
    config = AccountConfig(
        incoming=(Server("imap", "imap.x.test", 993, "tls", "alice@x.test"),
                  Server("pop3", "pop.x.test", 995, "tls", "alice")),
        outgoing=(Server("smtp", "smtp.x.test", 465, "tls", None),), source="ispdb")
    result = DiscoveryResult(address="alice@x.test", domain="x.test", config=config)
    moved = rebase(result, EmailAddress.parse("bob@x.test"))
    assert [s.username for s in moved.incoming] == ["bob@x.test", "bob"]
    assert moved.address == "bob@x.test" and moved.outgoing[0].username is None
    personal = DiscoveryResult(address="alice@x.test", domain="x.test", config=AccountConfig(
        incoming=(Server("imap", "imap.x.test", 993, "tls", "u12345"),), outgoing=(),
        source="autodiscover"))
    assert rebase(personal, EmailAddress.parse("bob@x.test")) is None
    assert rebase(result, EmailAddress.parse("bob@y.test")) is None


def test_many_addresses_of_one_domain_share_one_lookup():
    from setupwizard.discovery import discover_many
    calls = []

    class Counting(Scripted):
        async def run(self, ctx):
            import dataclasses
            calls.append(ctx.address.text)
            out = await super().run(ctx)
            user = ctx.address.text
            return Outcome.found(dataclasses.replace(
                out.config, incoming=tuple(s.with_(username=user) for s in out.config.incoming),
                outgoing=tuple(s.with_(username=user) for s in out.config.outgoing)))
    source = Counting("ispdb", delay=0.05)
    texts = [f"user{i}@example.test" for i in range(20)] + ["bad", "z@other.test"]
    out = list(discover_many(texts, sources=[source], providers=NoProviders(),
                             network=Network(NetOptions(timeout=2))))
    assert [t for t, _ in out] == texts
    assert len(calls) == 2  # one per domain
    assert isinstance(out[20][1], InvalidAddress)
    assert out[5][1].address == "user5@example.test"


@pytest.mark.parametrize("text", ["a@1.2.3.4", "a@xn--zz.de", "a@b", "a@b..c", "a@-x.de"])
def test_addresses_that_are_not_mail_domains(text):
    with pytest.raises(InvalidAddress):
        discover(text, sources=[], providers=NoProviders())


def test_idn_domains_are_converted():
    from setupwizard.models import EmailAddress
    address = EmailAddress.parse("Jörg@Bücher.DE")
    assert address.domain == "bücher.de" and address.ascii_domain == "xn--bcher-kva.de"
    assert EmailAddress.parse("a@xn--bcher-kva.de").ascii_domain == "xn--bcher-kva.de"


def test_a_lookup_whose_every_source_hangs_ends_at_the_lookup_deadline():
    from setupwizard.runtime import Timeouts
    hangers = [Scripted(n, delay=3600) for n in ("providers", "autoconfig", "ispdb", "srv")]
    result = run(hangers, timeout=0.1)
    lookup_ms = Timeouts(0.1).lookup * 1000
    assert not result.found
    assert {r.status for r in result.sources} == {"timeout"}
    assert all(h.saw_cancel.is_set() for h in hangers)
    # the reported time is the documented deadline, not later
    assert lookup_ms - 1 <= result.elapsed_ms <= lookup_ms + 100, result.elapsed_ms
    assert all(r.elapsed_ms <= result.elapsed_ms for r in result.sources)


def test_progress_is_reported_per_source_as_it_finishes():
    seen = []
    with Network(NetOptions(timeout=2)) as network:
        discover("alice@example.test", providers=NoProviders(), network=network,
                 sources=[Scripted("providers", delay=0.1), Scripted("ispdb"),
                          Scripted("srv", delay=30)],
                 on_progress=lambda report: seen.append((report.name, report.status)))
    assert seen == [("ispdb", "found"), ("providers", "found"), ("srv", "cancelled")]


def test_many_reads_its_input_lazily_and_cancels_when_stopped():
    from setupwizard.discovery import discover_many
    consumed = []

    def texts():
        for i in range(1000):
            consumed.append(i)
            yield f"user{i}@domain{i}.test"

    hanger = Scripted("srv", delay=3600)
    with Network(NetOptions(timeout=2)) as network:
        stream = discover_many(texts(), concurrency=2, network=network,
                               sources=[Scripted("providers"), hanger],
                               providers=NoProviders())
        text, result = next(stream)
        assert text == "user0@domain0.test" and result.config.source == "providers"
        assert len(consumed) <= 2 * 2 + 1  # a window, not the whole input
        stream.close()

        async def others():
            return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert network.run(others()) == []


def test_why_nothing_was_found_is_told_honestly():
    from setupwizard.discovery import _nothing_found
    from setupwizard.models import EmailAddress
    from setupwizard.net.dns import DNSAnswer, DNSHealth
    address = EmailAddress.parse("a@example.test")

    def said(*notes):
        health = DNSHealth()
        for name, value in notes:
            health.note(name, "A", value)
        text, down = _nothing_found(address, health)
        return str(text), down

    ispdb_ok = ("ispdb.lab.test", DNSAnswer("ispdb.lab.test", "A"))
    timeout = DNSError("t", kind="timeout")
    assert said() == ("No settings found for example.test.", False)
    assert said(ispdb_ok, ("example.test", DNSError("n", kind="nxdomain"))) == (
        "No settings found for example.test: this domain does not exist.", False)
    text, down = said(ispdb_ok, ("autoconfig.example.test", timeout))
    assert not down and "did not answer" in text
    text, down = said(("ispdb.lab.test", timeout), ("example.test", timeout))
    assert down and "The name service (DNS) did not answer" in text and "example.test" in text

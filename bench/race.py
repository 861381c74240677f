"""Benchmark: racing the sources versus trying them one after another.

Target (from the issue): "Discovery with one source answering after ~300 ms
and three others hanging until their timeout: wall time at most 1.2x the
answering source's own time, and at least 5x faster than trying the sources
one after another (measure both strategies in the same run)."

The lab domain ``race-bench.test``:

* ``autoconfig`` (rank 2) answers after a 300 ms delay (a route handler that
  sleeps, then sends a clientConfig);
* ``well-known`` (rank 3): ``race-bench.test`` is on the lab blackhole, so
  the TLS handshake hangs until the request timeout;
* ``autodiscover`` (rank 7): ``autodiscover.race-bench.test`` and
  ``race-bench.test`` are on the blackhole (both https POSTs and the plain
  http GET hang), no SRV record;
* ``autoconfig-http`` (rank 8): the http autoconfig URL is a handler that
  sleeps past the timeout, the http well-known URL is on the blackhole.

Discovery is restricted to these four with ``DiscoveryOptions(only=...)``,
timeout 2 s. Three strategies, measured interleaved, each with a fresh
Network (no connection or DNS reuse between measurements) and the provider
database loaded beforehand (as the command line does):

* alone:      ``AutoconfigSource().run(ctx)`` - the answering source's own time;
* race:       ``setupwizard.discovery.discover(...)`` - our strategy;
* sequential: the same four source objects run one after another, each to
  completion (a tool that does not race must wait for every source to know
  which answer ranks best), then the best-ranked answer is picked.

Exit status 1 when race/alone > 1.2 or sequential/race < 5.
"""

from __future__ import annotations

import threading
import time

import _common as c
from setupwizard.discovery import DiscoveryOptions, discover
from setupwizard.discovery.autoconfig import (AutoconfigHTTPSource, AutoconfigSource,
                                              WellKnownSource)
from setupwizard.discovery.autodiscover import AutodiscoverSource
from setupwizard.discovery.base import RANKING, Context
from setupwizard.models import EmailAddress
from setupwizard.net import Deadline, NetOptions, Network
from setupwizard.providers import ProviderDatabase
from tests.lab import Lab
from tests.lab.scenarios.discovery import config_xml  # the lab's clientConfig
from tests.lab.spec import A, Reply, Route

DOMAIN = "race-bench.test"
ADDRESS = f"user@{DOMAIN}"
ANSWER_DELAY = 0.300   # seconds autoconfig waits before answering
TIMEOUT = 2.0          # per request, as --timeout
ONLY = ("autoconfig", "well-known", "autodiscover", "autoconfig-http")
MAX_RACE_OVER_ALONE = 1.2
MIN_SEQUENTIAL_OVER_RACE = 5.0

AC = "/mail/config-v1.1.xml"
WK = "/.well-known/autoconfig/mail/config-v1.1.xml"




def _answer_late(request) -> Reply:
    time.sleep(ANSWER_DELAY)
    return Reply(body=config_xml(DOMAIN), content_type="text/xml")


def _hang(request) -> Reply:
    time.sleep(TIMEOUT + 1.0)  # past the client's timeout: it gives up first
    return Reply(404, body=b"too late\n", content_type="text/plain")


def build_lab() -> Lab:
    dns = [
        A(f"autoconfig.{DOMAIN}", "web"),          # https: late answer; http: hangs
        A(DOMAIN, "blackhole"),                    # well-known, autodiscover #2, http well-known
        A(f"autodiscover.{DOMAIN}", "blackhole"),  # autodiscover #1 and its plain-http GET
    ]
    http = [
        Route(f"autoconfig.{DOMAIN}", AC, handler=_answer_late, scheme="https"),
        Route(f"autoconfig.{DOMAIN}", AC, handler=_hang, scheme="http"),
    ]
    return Lab(dns=dns, http=http)


def fresh_network(lab: Lab) -> Network:
    ip, port = lab.dns
    return Network(NetOptions(dns_servers=((ip, port),), ca_file=lab.ca_file, timeout=TIMEOUT))


def options(lab: Lab) -> DiscoveryOptions:
    return DiscoveryOptions(only=ONLY, ispdb_url=lab.ispdb_url, timeout=TIMEOUT,
                            deadline=TIMEOUT * 3)


def run_alone(lab: Lab, providers) -> tuple[float, str]:
    opts = options(lab)
    network = fresh_network(lab)
    start = time.perf_counter()
    ctx = Context(address=EmailAddress.parse(ADDRESS), network=network, options=opts,
                  deadline=Deadline(opts.deadline), providers=providers)
    outcome = AutoconfigSource().run(ctx)
    return time.perf_counter() - start, outcome.status


def run_race(lab: Lab, providers) -> tuple[float, dict]:
    network = fresh_network(lab)
    start = time.perf_counter()
    result = discover(ADDRESS, options=options(lab), network=network, providers=providers)
    elapsed = time.perf_counter() - start
    statuses = {r.name: r.status for r in result.sources}
    statuses["winner"] = result.config.source if result.config else None
    return elapsed, statuses


def run_sequential(lab: Lab, providers) -> tuple[float, dict]:
    """Each source to completion, one after another, then the best answer.
    Each source gets its own deadline, as each would in a tool that asks
    them in turn."""
    opts = options(lab)
    network = fresh_network(lab)
    sources = [AutoconfigSource(), WellKnownSource(), AutodiscoverSource(),
               AutoconfigHTTPSource()]
    address = EmailAddress.parse(ADDRESS)
    start = time.perf_counter()
    outcomes = {}
    per_source = {}
    for source in sources:
        began = time.perf_counter()
        ctx = Context(address=address, network=network, options=opts,
                      deadline=Deadline(opts.deadline), providers=providers)
        try:
            outcomes[source.name] = source.run(ctx).status
        except Exception as exc:  # what the coordinator would turn into a status
            outcomes[source.name] = f"error ({type(exc).__name__})"
        per_source[source.name] = time.perf_counter() - began
    best = next((name for name in RANKING if outcomes.get(name) == "found"), None)
    elapsed = time.perf_counter() - start
    return elapsed, {"winner": best, "statuses": outcomes, "seconds": per_source}


def _ours(baseline: set[int]) -> list[threading.Thread]:
    """Threads started since ``baseline`` by setupwizard (not the lab's
    per-connection server threads, which idle on keep-alive connections)."""
    return [t for t in threading.enumerate() if t.ident not in baseline
            and "process_request_thread" not in t.name]


def settle(baseline: set[int], limit: float = TIMEOUT * 3) -> None:
    """Wait until the daemon threads a cancelled race left behind are gone,
    so they do not overlap the next measurement."""
    end = time.monotonic() + limit
    while _ours(baseline) and time.monotonic() < end:
        time.sleep(0.05)


def measure(args) -> c.Result:
    providers = ProviderDatabase.load()
    alone, race, sequential = [], [], []
    per_source: dict[str, list[float]] = {}
    with build_lab() as lab:
        baseline = {t.ident for t in threading.enumerate()}
        print(f"lab on {lab.prefix}.0/24; warming up (imports, first TLS context)...",
              flush=True)
        run_alone(lab, providers)
        run_race(lab, providers)
        settle(baseline)
        for i in range(args.repeat):
            # rotate the order so that no strategy always goes first
            order = ["alone", "race", "sequential"]
            order = order[i % 3:] + order[:i % 3]
            for which in order:
                if which == "alone":
                    seconds, status = run_alone(lab, providers)
                    if status != "found":
                        raise RuntimeError(f"autoconfig alone did not find anything: {status}")
                    alone.append(seconds)
                elif which == "race":
                    seconds, statuses = run_race(lab, providers)
                    if statuses["winner"] != "autoconfig":
                        raise RuntimeError(f"the race was not won by autoconfig: {statuses}")
                    race.append(seconds)
                    settle(baseline)
                else:
                    seconds, info = run_sequential(lab, providers)
                    if info["winner"] != "autoconfig":
                        raise RuntimeError(f"sequential: autoconfig did not win: {info}")
                    hung = [n for n in ONLY[1:] if info["seconds"][n] < TIMEOUT * 0.9]
                    if hung:
                        raise RuntimeError(f"sequential: {hung} did not hang until the "
                                           f"timeout: {info}")
                    sequential.append(seconds)
                    for name, s in info["seconds"].items():
                        per_source.setdefault(name, []).append(s)
            print(f"  round {i + 1}/{args.repeat}: alone {c.ms(alone[-1]):.0f} ms, "
                  f"race {c.ms(race[-1]):.0f} ms, sequential {c.ms(sequential[-1]):.0f} ms",
                  flush=True)
    m_alone, m_race, m_seq = c.median(alone), c.median(race), c.median(sequential)
    result = c.Result(
        name="race",
        target="race <= 1.2x the answering source alone; sequential >= 5x race")
    result.measured = [
        f"autoconfig alone (answers after {ANSWER_DELAY * 1000:.0f} ms): "
        f"median {c.ms(m_alone):.0f} ms",
        f"discover() racing 4 sources: median {c.ms(m_race):.0f} ms",
        f"sequential, same 4 sources: median {c.ms(m_seq):.0f} ms ("
        + ", ".join(f"{n} {c.median(v):.2f} s" for n, v in per_source.items()) + ")",
        f"{args.repeat} rounds, timeout {TIMEOUT:.0f} s",
    ]
    result.checks = [
        c.Check("race / alone", m_race / m_alone, "<=", MAX_RACE_OVER_ALONE),
        c.Check("sequential / race", m_seq / m_race, ">=", MIN_SEQUENTIAL_OVER_RACE),
    ]
    return result


if __name__ == "__main__":
    c.main(measure, __doc__.split("\n")[0], repeat=5)

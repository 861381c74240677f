"""Find the server settings for an e-mail address from every source at once.

All sources start together as tasks of one event loop (``runtime``). The
highest-ranked source that finds something wins as soon as every source
ranked above it has finished; the others are cancelled at once - their
sockets close and they send nothing more. A slow lower-ranked source
therefore never delays the answer, and the whole lookup ends at its
deadline (``network.timeouts.lookup``).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import AsyncIterator, Callable, Iterable, Sequence

from ..errors import DNS_NXDOMAIN, DNS_SERVER_TROUBLE, InvalidAddress
from ..i18n import Message, msg
from ..models import AccountConfig, DiscoveryResult, EmailAddress, SourceReport
from ..net import Deadline, Network
from ..net.dns import DNSHealth, watching
from ..runtime import ranked_race, settle
from .base import (DEFAULT_ISPDB_URL, LAST_RESORT, RANKING, SOURCE_LABELS, Context,
                   DiscoveryOptions, Outcome, Source)

__all__ = ["discover", "discover_async", "discover_many", "discover_many_async",
           "DiscoveryOptions", "RANKING", "ALL_SOURCES", "DEFAULT_ISPDB_URL",
           "build_sources", "Outcome", "Context", "Source", "rebase"]

ALL_SOURCES = RANKING + LAST_RESORT

#: called with each source's report as it finishes (on the loop's thread)
ProgressCallback = Callable[[SourceReport], None]


def build_sources(names: Iterable[str] | None = None) -> list[Source]:
    """Every source we have, best first; with ``names``, only those.

    Only the named sources' modules are imported: ``--offline`` asks the
    provider database alone, and importing every source (Autodiscover's
    XML, the HTTP and DNS layers) would cost it ~40 ms of start-up.
    """
    wanted = None if names is None else set(names)

    def want(name: str) -> bool:
        return wanted is None or name in wanted

    sources: list[Source] = []
    if want("providers"):
        from .providers import ProvidersSource
        sources.append(ProvidersSource())
    if want("autoconfig") or want("well-known"):
        from .autoconfig import AutoconfigSource, WellKnownSource
        sources += [s for s in (AutoconfigSource(), WellKnownSource()) if want(s.name)]
    if want("ispdb"):
        from .ispdb import ISPDBSource
        sources.append(ISPDBSource())
    if want("mx"):
        from .mx import MXSource
        sources.append(MXSource())
    if want("srv"):
        from .srv import SRVSource
        sources.append(SRVSource())
    if want("autodiscover"):
        from .autodiscover import AutodiscoverSource
        sources.append(AutodiscoverSource())
    if want("autoconfig-http"):
        from .autoconfig import AutoconfigHTTPSource
        sources.append(AutoconfigHTTPSource())
    if want("guess"):
        try:
            from .guess import GuessSource
        except ImportError:  # guessing arrives with the diagnostics engine
            pass
        else:
            sources.append(GuessSource())
    return sources


def _needed(options: DiscoveryOptions | None) -> tuple[str, ...] | None:
    """The sources a lookup with ``options`` can run (None: all of them)."""
    if options is None:
        return None
    if options.offline:
        return ("providers",)
    return options.only


def discover(address: str | EmailAddress, *, options: DiscoveryOptions | None = None,
             network: Network | None = None, providers=None,
             sources: Sequence[Source] | None = None,
             on_progress: ProgressCallback | None = None,
             clock: Callable[[], float] = time.monotonic) -> DiscoveryResult:
    """Discover settings for ``address`` (the synchronous form of
    :func:`discover_async`, run on ``network``'s event loop).

    Returns a DiscoveryResult (``found`` tells whether any source answered).
    Raises InvalidAddress for a malformed address; network trouble never
    raises, it becomes a source status. Without ``network`` a Network with
    default options is built for this call and closed after it.
    """
    if not isinstance(address, EmailAddress):
        address = EmailAddress.parse(address)
    own = network is None
    network = network or Network()
    try:
        return network.run(discover_async(address, options=options, network=network,
                                          providers=providers, sources=sources,
                                          on_progress=on_progress, clock=clock))
    finally:
        if own:
            network.close()


async def discover_async(address: str | EmailAddress, *, network: Network,
                         options: DiscoveryOptions | None = None, providers=None,
                         sources: Sequence[Source] | None = None,
                         on_progress: ProgressCallback | None = None,
                         clock: Callable[[], float] = time.monotonic) -> DiscoveryResult:
    """Discover settings for ``address`` on the running loop, within
    ``network.timeouts.lookup``. Returns a DiscoveryResult; raises
    InvalidAddress for a malformed address. ``on_progress`` gets every
    source's report as it finishes (cancelled and timed-out ones included).
    """
    options = options or DiscoveryOptions()
    if not isinstance(address, EmailAddress):
        address = EmailAddress.parse(address)
    if providers is None:
        from ..providers import ProviderDatabase
        providers = ProviderDatabase.load()
    if sources is not None:
        all_sources = list(sources)
        names = [s.name for s in all_sources]
    else:
        all_sources = build_sources(_needed(options))
        names = list(ALL_SOURCES)
    main = [s for s in all_sources if s.name not in LAST_RESORT]
    last = [s for s in all_sources if s.name in LAST_RESORT]
    if options.only:
        wanted = set(options.only)
        main = [s for s in all_sources if s.name in wanted]
        last = []
    skipped: list[SourceReport] = []
    if options.offline:
        # every source the lookup would have asked, built or not
        skipped = [SourceReport("skipped", msg("not asked: --offline"), name=name)
                   for name in names if name != "providers"
                   and (not options.only or name in options.only)]
        main = [s for s in main if s.name == "providers"]
        last = []

    started = clock()
    ctx = Context(address=address, network=network, options=options,
                  deadline=Deadline(network.timeouts.lookup, clock), providers=providers)
    with watching() as health:
        reports, winner = await _race(ctx, main, on_progress, clock)
        if winner is None and last and not ctx.deadline.expired():
            if health.down:
                # every DNS question failed: guessing names would only wait more
                for source in last:
                    report = SourceReport("skipped", msg("not asked: no DNS server answers"),
                                          name=source.name)
                    reports[source.name] = report
                    if on_progress:
                        on_progress(report)
            else:
                more, winner = await _race(ctx, last, on_progress, clock)
                reports.update(more)
    order = {s.name: i for i, s in enumerate(main + last)}
    ordered = sorted(reports.values(), key=lambda r: order.get(r.name, 99)) + skipped
    return _result(address, ordered, winner, health, int((clock() - started) * 1000))


async def _race(ctx: Context, sources: list[Source], on_progress: ProgressCallback | None,
                clock) -> tuple[dict[str, SourceReport], SourceReport | None]:
    """Run ``sources`` at once; return every report and the winner."""
    if not sources:
        return {}, None
    started = clock()
    reports: dict[str, SourceReport] = {}

    def finished(index: int, value) -> None:
        if value is None:
            return  # cancelled: reported below
        name = sources[index].name
        if not isinstance(value, Outcome):  # only a BaseException gets past settle
            value = Outcome("error", msg("internal error in {name}: {reason}", name=name,
                                         reason=type(value).__name__), name=name,
                            kind="internal")
        reports[name] = value
        if on_progress:
            on_progress(value)

    def runner(source: Source):
        return lambda: settle(lambda: source.run(ctx), name=source.name, clock=clock)

    _, index = await ranked_race([runner(s) for s in sources],
                                 is_found=lambda o: isinstance(o, Outcome)
                                 and o.status == "found",
                                 on_done=finished, deadline=ctx.deadline)
    rank = [s.name for s in sources]
    winner = reports.get(rank[index]) if index is not None else None
    elapsed = int((clock() - started) * 1000)
    for name in rank:
        if name not in reports:
            if winner is not None:
                report = SourceReport("cancelled", msg("stopped: a better source already "
                                                       "answered"), name=name,
                                      elapsed_ms=elapsed)
            else:
                report = SourceReport("timeout", msg("no answer before the deadline"),
                                      name=name, elapsed_ms=elapsed, kind="timeout")
            reports[name] = report
            if on_progress:
                on_progress(report)
    if winner is None:
        # the deadline: the best finished source that found something, if any
        winner = next((reports[n] for n in rank if reports[n].status == "found"), None)
    return reports, winner


def _result(address: EmailAddress, reports: list[SourceReport],
            winner: SourceReport | None, health: DNSHealth,
            elapsed_ms: int) -> DiscoveryResult:
    warnings: list[Message] = []
    config = winner.config if winner else None
    others = tuple((r.name, r.config) for r in reports
                   if r.status == "found" and r.config is not None and r is not winner)
    if winner is not None:
        warnings.extend(winner.warnings)
        if config is not None and not config.trusted:
            warnings.append(msg("These settings come from {source}, which cannot prove "
                                "they are genuine. Check that {domain} really handles "
                                "your mail before you enter your password.",
                                source=SOURCE_LABELS.get(winner.name, winner.name),
                                domain=address.domain))
        for name, other in others:
            warnings.extend(_disagreements(winner.name, config, name, other))
    for r in reports:
        if r is not winner and r.status in ("found", "not-found"):
            warnings.extend(w for w in r.warnings if w not in warnings)
    error = None
    network_down = False
    if config is None:
        error, network_down = _nothing_found(address, health)
    return DiscoveryResult(address=address.text, domain=address.domain, config=config,
                           sources=tuple(reports), warnings=tuple(warnings),
                           error=error, others=others, network_down=network_down,
                           elapsed_ms=elapsed_ms)


def _nothing_found(address: EmailAddress, health: DNSHealth) -> tuple[Message, bool]:
    """Why nothing was found, honestly (issue 10, item 5): no DNS server
    answered at all (the network or the resolver is down: then nothing is
    said about the domain), the domain does not exist, or some questions
    about it went unanswered."""
    if health.down:
        return msg("The name service (DNS) did not answer, so no settings could be "
                   "found for {domain}. The internet connection or the name service "
                   "seems to be down. Check the network connection and try again.", domain=address.domain), True
    domain = address.ascii_domain
    about = {name: kind for (name, _), kind in health.results.items()
             if name == domain or name.endswith("." + domain)}
    if any(kind == DNS_NXDOMAIN for name, kind in about.items() if name == domain):
        return msg("No settings found for {domain}: this domain does not exist.",
                   domain=address.domain), False
    if any(kind in DNS_SERVER_TROUBLE for kind in about.values()):
        return msg("No settings found for {domain}. The DNS server did not answer some "
                   "questions about it (it failed or took too long), so this may change "
                   "when you try again.", domain=address.domain), False
    return msg("No settings found for {domain}.", domain=address.domain), False


def _disagreements(win_name: str, win: AccountConfig, name: str,
                   other: AccountConfig) -> Iterable[Message]:
    for kind in ("incoming", "outgoing"):
        ours = {(s.protocol, s.host.lower()) for s in getattr(win, kind)}
        theirs = getattr(other, kind)
        if not ours or not theirs:
            continue
        first = theirs[0]
        if (first.protocol, first.host.lower()) not in ours:
            mine = getattr(win, kind)[0]
            yield msg("Sources disagree: {winner} names {host} for {direction} mail, "
                      "{other} names {other_host}.", winner=win_name, host=mine.host,
                      direction=msg("incoming") if kind == "incoming" else msg("outgoing"),
                      other=name, other_host=first.host)


def rebase(result: DiscoveryResult, address: EmailAddress) -> DiscoveryResult | None:
    """``result`` (found for another address at the same domain) for
    ``address``: usernames that were the other address or its local part
    become this address's. None when a username is anything else (then the
    answer may be personal, and only a lookup of its own will do)."""
    import dataclasses
    old = EmailAddress.parse(result.address)
    if old.ascii_domain != address.ascii_domain:
        return None

    def server(s):
        if s.username in (None, ""):
            return s
        if s.username.lower() in (old.text.lower(), old.ascii.lower()):
            return s.with_(username=address.ascii if s.username == old.ascii
                           else address.text)
        if s.username == old.local:
            return s.with_(username=address.local)
        raise LookupError

    def config(c: AccountConfig | None) -> AccountConfig | None:
        if c is None:
            return None
        return dataclasses.replace(c, incoming=tuple(map(server, c.incoming)),
                                   outgoing=tuple(map(server, c.outgoing)))
    try:
        return dataclasses.replace(
            result, address=address.text, config=config(result.config),
            others=tuple((name, config(c)) for name, c in result.others))
    except LookupError:
        return None


async def discover_many_async(addresses: Iterable[str], *, network: Network,
                              concurrency: int = 16, share_domains: bool = True,
                              **kwargs) -> AsyncIterator[tuple[str, DiscoveryResult |
                                                               InvalidAddress]]:
    """Discover for many addresses on the running loop, at most
    ``concurrency`` lookups at a time, yielding (text, result) in input
    order; a malformed address yields its InvalidAddress instead. Addresses
    are read as they are needed (a long standard input streams); when the
    consumer stops, every lookup still running is cancelled. Other keywords
    go to :func:`discover_async`. See :func:`discover_many` for
    ``share_domains``.
    """
    if kwargs.get("providers") is None:
        from ..providers import ProviderDatabase
        kwargs["providers"] = ProviderDatabase.load()
    if kwargs.get("sources") is None and not getattr(kwargs.get("options"), "offline", False):
        # once: sources keep no state per lookup (--offline builds its one
        # source per lookup, so each reports every source it did not ask)
        kwargs["sources"] = build_sources(_needed(kwargs.get("options")))
    limit = asyncio.Semaphore(max(1, concurrency))
    loop = asyncio.get_running_loop()
    #: ascii domain -> the task of the first lookup at that domain
    shared: dict[str, asyncio.Task] = {}
    window: deque[asyncio.Task] = deque()

    async def lookup(address: EmailAddress) -> DiscoveryResult:
        async with limit:
            return await discover_async(address, network=network, **kwargs)

    async def follower(text: str, address: EmailAddress, first: asyncio.Task):
        base = await asyncio.shield(first)
        return text, (rebase(base, address) if base.found else None) or \
            await lookup(address)

    async def alone(text: str, address: EmailAddress, first: asyncio.Task):
        return text, await first

    async def invalid(text: str, error: InvalidAddress):
        return text, error

    def start(text: str) -> asyncio.Task:
        try:
            address = EmailAddress.parse(text)
        except InvalidAddress as exc:
            return loop.create_task(invalid(text, exc))
        if not share_domains:
            return loop.create_task(alone(text, address, loop.create_task(lookup(address))))
        first = shared.get(address.ascii_domain)
        if first is None:
            first = shared[address.ascii_domain] = loop.create_task(lookup(address))
            return loop.create_task(alone(text, address, first))
        return loop.create_task(follower(text, address, first))

    source = iter(addresses)
    more = True
    try:
        while True:
            while more and len(window) < max(1, concurrency) * 2:
                try:
                    text = next(source)
                except StopIteration:
                    more = False
                    break
                window.append(start(text))
            if not window:
                return
            yield await window.popleft()
    finally:
        from ..runtime import cancel_all
        await cancel_all([*window, *shared.values()])


def discover_many(addresses: Iterable[str], *, concurrency: int = 16,
                  share_domains: bool = True, **kwargs
                  ) -> Iterable[tuple[str, DiscoveryResult | InvalidAddress]]:
    """Discover for many addresses, ``concurrency`` at a time on one event
    loop, yielding (text, result) in input order; a malformed address
    yields its InvalidAddress instead of a result. Addresses are read
    lazily, so a long standard input streams.

    With ``share_domains`` addresses at one domain share one lookup (see
    rebase): support staff check hundreds of addresses of a few domains, and
    asking every source again for each would only repeat the same answers.
    Other keywords are those of :func:`discover`; without ``network`` one is
    built for the whole batch and closed at its end.
    """
    network = kwargs.pop("network", None)
    own = network is None
    network = network or Network()
    stream = discover_many_async(addresses, network=network, concurrency=concurrency,
                                 share_domains=share_domains, **kwargs)
    try:
        while True:
            try:
                item = network.run(stream.__anext__())
            except StopAsyncIteration:
                return
            yield item
    finally:
        network.run(stream.aclose())
        if own:
            network.close()

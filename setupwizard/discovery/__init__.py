"""Find the server settings for an e-mail address from every source at once.

All sources start together, each in its own thread. The highest-ranked
source that finds something wins as soon as every source ranked above it
has finished; the rest are cancelled (their threads are daemons bounded by
their own timeouts, and nobody waits for them). A slow lower-ranked source
therefore never delays the answer, and the whole lookup has a deadline.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Callable, Iterable, Sequence

from ..errors import DNSError, InvalidAddress, NetTimeout, SetupWizardError
from ..i18n import Message, msg
from ..models import AccountConfig, DiscoveryResult, EmailAddress, SourceReport
from ..net import Deadline, Network
from .base import (DEFAULT_ISPDB_URL, LAST_RESORT, RANKING, SOURCE_LABELS, Context,
                   DiscoveryOptions, Outcome, Source)

__all__ = ["discover", "DiscoveryOptions", "RANKING", "ALL_SOURCES", "DEFAULT_ISPDB_URL",
           "build_sources", "Outcome", "Context", "Source"]

ALL_SOURCES = RANKING + LAST_RESORT

ProgressCallback = Callable[[SourceReport], None]


def build_sources() -> list[Source]:
    """Every source we have, best first."""
    from .autoconfig import AutoconfigHTTPSource, AutoconfigSource, WellKnownSource
    from .autodiscover import AutodiscoverSource
    from .ispdb import ISPDBSource
    from .mx import MXSource
    from .providers import ProvidersSource
    from .srv import SRVSource
    sources: list[Source] = [ProvidersSource(), AutoconfigSource(), WellKnownSource(),
                             ISPDBSource(), MXSource(), SRVSource(), AutodiscoverSource(),
                             AutoconfigHTTPSource()]
    try:
        from .guess import GuessSource
    except ImportError:  # guessing arrives with the diagnostics engine
        pass
    else:
        sources.append(GuessSource())
    return sources


def discover(address: str | EmailAddress, *, options: DiscoveryOptions | None = None,
             network: Network | None = None, providers=None,
             sources: Sequence[Source] | None = None,
             on_progress: ProgressCallback | None = None,
             clock: Callable[[], float] = time.monotonic) -> DiscoveryResult:
    """Discover settings for ``address``.

    Returns a DiscoveryResult (``found`` tells whether any source answered).
    Raises InvalidAddress for a malformed address; network trouble never
    raises, it becomes a source status.
    """
    options = options or DiscoveryOptions()
    if not isinstance(address, EmailAddress):
        address = EmailAddress.parse(address)
    network = network or Network()
    if providers is None:
        from ..providers import ProviderDatabase
        providers = ProviderDatabase.load()
    all_sources = list(sources) if sources is not None else build_sources()
    main = [s for s in all_sources if s.name not in LAST_RESORT]
    last = [s for s in all_sources if s.name in LAST_RESORT]
    if options.only:
        wanted = set(options.only)
        main = [s for s in all_sources if s.name in wanted]
        last = []
    skipped: list[SourceReport] = []
    if options.offline:
        skipped = [SourceReport(s.name, "skipped", msg("not asked: --offline"))
                   for s in main + last if s.name != "providers"]
        main = [s for s in main if s.name == "providers"]
        last = []

    ctx = Context(address=address, network=network, options=options,
                  deadline=Deadline(options.deadline, clock), providers=providers)
    reports, winner = _race(ctx, main, on_progress, clock)
    if winner is None and last and not ctx.deadline.expired():
        more, winner = _race(ctx, last, on_progress, clock)
        reports.update(more)
    order = {s.name: i for i, s in enumerate(main + last)}
    ordered = sorted(reports.values(), key=lambda r: order.get(r.name, 99)) + skipped
    return _result(address, ordered, winner)


def _race(ctx: Context, sources: list[Source], on_progress: ProgressCallback | None,
          clock) -> tuple[dict[str, SourceReport], SourceReport | None]:
    """Run ``sources`` concurrently; return every report and the winner."""
    if not sources:
        return {}, None
    started = clock()
    done: queue.Queue[SourceReport] = queue.Queue()
    cancel = threading.Event()
    sub = Context(address=ctx.address, network=ctx.network, options=ctx.options,
                  deadline=ctx.deadline, providers=ctx.providers, cancelled=cancel)
    for source in sources:
        thread = threading.Thread(target=_run_one, args=(source, sub, done, clock),
                                  name=f"discover-{source.name}", daemon=True)
        thread.start()
    rank = [s.name for s in sources]
    reports: dict[str, SourceReport] = {}
    winner: SourceReport | None = None
    while len(reports) < len(sources):
        try:
            report = done.get(timeout=max(0.0, ctx.deadline.remaining()) or 0.001)
        except queue.Empty:
            break
        reports[report.name] = report
        if on_progress:
            on_progress(report)
        winner = _decided_winner(rank, reports)
        if winner is not None:
            break
    cancel.set()
    elapsed = int((clock() - started) * 1000)
    unfinished_status = "cancelled" if winner is not None else "timeout"
    for name in rank:
        if name not in reports:
            detail = msg("stopped: a better source already answered") if winner else \
                msg("no answer before the deadline")
            reports[name] = SourceReport(name, unfinished_status, detail, elapsed)
            if on_progress:
                on_progress(reports[name])
    if winner is None:
        # deadline: the best finished source that found something, if any
        winner = next((reports[n] for n in rank if reports[n].status == "found"), None)
    return reports, winner


def _decided_winner(rank: list[str], reports: dict[str, SourceReport]) -> SourceReport | None:
    for name in rank:
        report = reports.get(name)
        if report is None:
            return None  # a better source is still working
        if report.status == "found":
            return report
    return None


def _run_one(source: Source, ctx: Context, done: queue.Queue, clock) -> None:
    start = clock()
    try:
        outcome = source.run(ctx)
    except (NetTimeout,) as exc:
        outcome = Outcome("timeout", exc.message)
    except DNSError as exc:
        outcome = Outcome("timeout" if exc.kind == "timeout" else "error", exc.message)
    except InvalidAddress as exc:
        outcome = Outcome("error", exc.message)
    except SetupWizardError as exc:
        outcome = Outcome("error", exc.message)
    except Exception as exc:  # a bug must not take the whole lookup down
        outcome = Outcome("error", f"internal error in {source.name}: "
                                   f"{type(exc).__name__}: {exc}")
    elapsed = int((clock() - start) * 1000)
    if outcome.status == "found" and (outcome.config is None or outcome.config.empty):
        outcome = Outcome("not-found", outcome.detail, None, outcome.warnings)
    done.put(SourceReport(source.name, outcome.status, outcome.detail, elapsed,
                          outcome.config, tuple(outcome.warnings)))


def _result(address: EmailAddress, reports: list[SourceReport],
            winner: SourceReport | None) -> DiscoveryResult:
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
    if config is None:
        error = msg("No settings found for {domain}.", domain=address.domain)
    return DiscoveryResult(address=address.text, domain=address.domain, config=config,
                           sources=tuple(reports), warnings=tuple(warnings),
                           error=error, others=others)


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


def discover_many(addresses: Iterable[str], *, concurrency: int = 16,
                  share_domains: bool = True, **kwargs
                  ) -> Iterable[tuple[str, DiscoveryResult | InvalidAddress]]:
    """Discover for many addresses, ``concurrency`` at a time, yielding
    (text, result) in input order; a malformed address yields its
    InvalidAddress instead of a result. Addresses are read lazily, so a
    long standard input streams.

    With ``share_domains`` addresses at one domain share one lookup (see
    rebase): support staff check hundreds of addresses of a few domains, and
    asking every source again for each would only repeat the same answers.
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    if kwargs.get("providers") is None:
        from ..providers import ProviderDatabase
        kwargs["providers"] = ProviderDatabase.load()
    lookups: dict[str, Future] = {}
    lock = threading.Lock()

    def one(text: str):
        try:
            address = EmailAddress.parse(text)
        except InvalidAddress as exc:
            return text, exc
        if not share_domains:
            return text, discover(address, **kwargs)
        with lock:
            shared = lookups.get(address.ascii_domain)
            mine = shared is None
            if mine:
                shared = lookups[address.ascii_domain] = Future()
        if mine:
            try:
                result = discover(address, **kwargs)
            except BaseException as exc:
                shared.set_exception(exc)
                raise
            shared.set_result(result)
            return text, result
        # the first address of this domain was submitted earlier, so it is
        # already running in another worker: waiting cannot deadlock
        base = shared.result()
        return text, (rebase(base, address) if base.found else None) or \
            discover(address, **kwargs)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        window: list = []
        for text in addresses:
            window.append(pool.submit(one, text))
            if len(window) >= concurrency * 2:
                yield window.pop(0).result()
        for future in window:
            yield future.result()

"""The one owner of time, and the event-loop helpers every part uses.

:class:`Timeouts` is built once from ``--timeout`` and derives every
deadline in one place (README, "Time limits"); no other module invents a
timeout or adds slack. :func:`ranked_race` and :func:`gather_settled` run
coroutines as tasks of the current loop and cancel what is no longer
needed at once: a cancelled task closes its sockets and sends nothing more.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Sequence

if TYPE_CHECKING:
    from .models import Outcome

DEFAULT_REQUEST = 5.0


@dataclass(frozen=True)
class Timeouts:
    """Every time limit of a run, derived from one number (``--timeout``).

    ============================  ====================================
    what                          limit
    ============================  ====================================
    one network step              ``request`` (a DNS question, a TCP
                                  connect, a TLS handshake, one read,
                                  one HTTP exchange's each read)
    discovery of one address      ``lookup`` = 3 x request
    diagnose (every probe)        ``diagnose`` = 3 x request
    check-domain (sources, then   ``check_domain`` = 6 x request
    probes of what they name)
    providers compare             ``compare`` = 6 x request
    ============================  ====================================
    """

    request: float = DEFAULT_REQUEST

    @property
    def lookup(self) -> float:
        return self.request * 3

    @property
    def diagnose(self) -> float:
        return self.request * 3

    @property
    def check_domain(self) -> float:
        return self.request * 6

    @property
    def compare(self) -> float:
        return self.request * 6


class Deadline:
    """A point in time after which an operation must give up."""

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._end = None if seconds is None else clock() + seconds

    def remaining(self) -> float:
        """Seconds left (never negative); a large number when unbounded."""
        if self._end is None:
            return 3600.0
        return max(0.0, self._end - self._clock())

    def expired(self) -> bool:
        return self._end is not None and self._clock() >= self._end

    def cap(self, timeout: float) -> float:
        """``timeout``, shortened to what is left (0 when nothing is)."""
        return max(0.0, min(timeout, self.remaining()))


async def ranked_race(tasks: Sequence[Callable[[], Awaitable[Any]]], *,
                      is_found: Callable[[Any], bool],
                      on_done: Callable[[int, Any], None] | None = None,
                      deadline: Deadline | None = None) -> tuple[list, int | None]:
    """Run ``tasks`` (coroutine factories, best first) at once.

    As soon as the best-ranked task whose result ``is_found`` has every
    task ranked above it finished, the others are cancelled and awaited
    (their sockets closed). Returns (results, winner index): ``results`` in
    task order, each the task's value, the exception it raised, or None
    when it was cancelled or the deadline came first. ``on_done(index,
    value)`` is called as each task finishes.
    """
    loop = asyncio.get_running_loop()
    running = [loop.create_task(task()) for task in tasks]
    index_of = {t: i for i, t in enumerate(running)}
    results: list = [None] * len(running)
    finished = [False] * len(running)
    winner: int | None = None
    pending = set(running)
    try:
        while pending and winner is None:
            timeout = deadline.remaining() if deadline is not None else None
            done, pending = await asyncio.wait(pending, timeout=timeout,
                                               return_when=asyncio.FIRST_COMPLETED)
            if not done:
                break  # the deadline
            for task in sorted(done, key=index_of.__getitem__):
                i = index_of[task]
                value = task.exception() if not task.cancelled() and task.exception() \
                    else (None if task.cancelled() else task.result())
                results[i] = value
                finished[i] = True
                if on_done is not None:
                    on_done(i, value)
            for i, value in enumerate(results):
                if not finished[i]:
                    break
                if is_found(value):
                    winner = i
                    break
    finally:
        await cancel_all(pending)
    return results, winner


async def gather_settled(tasks: Sequence[Callable[[], Awaitable[Any]]], *,
                         deadline: Deadline | None = None) -> list:
    """Run ``tasks`` at once and wait for all of them or the deadline.
    Returns, in task order, each value, the exception raised, or None for a
    task the deadline cut off (it is cancelled)."""
    loop = asyncio.get_running_loop()
    running = [loop.create_task(task()) for task in tasks]
    if not running:
        return []
    timeout = deadline.remaining() if deadline is not None else None
    try:
        done, pending = await asyncio.wait(running, timeout=timeout)
    finally:
        # also when we are cancelled ourselves: nothing may outlive us
        await cancel_all(running)
    out = []
    for task in running:
        if task in pending or task.cancelled():
            out.append(None)
        elif task.exception() is not None:
            out.append(task.exception())
        else:
            out.append(task.result())
    return out


async def cancel_all(tasks) -> None:
    """Cancel ``tasks`` that are still running and wait until each has really
    stopped; the error of any that ended with one counts as seen (the caller
    no longer wants it, and asyncio would print it as "never retrieved")."""
    tasks = list(tasks)
    running = [t for t in tasks if not t.done()]
    for task in running:
        task.cancel()
    if running:
        await asyncio.wait(running)
    for task in tasks:
        if not task.cancelled():
            task.exception()


async def settle(run: Callable[[], Awaitable["Outcome"]], *, name: str = "",
                 clock: Callable[[], float] = time.monotonic) -> "Outcome":
    """Run ``run()`` and return its Outcome with ``name`` and ``elapsed_ms``
    filled in: the one place where exceptions become statuses.

    NetTimeout -> timeout (kind net-timeout); a DNS timeout -> timeout (kind
    timeout); any other DNSError -> error with the DNS kind; TLSError -> error "tls"; ConnectError -> error "connect";
    HTTPError -> error "http"; DataError -> error "document"; another
    SetupWizardError -> error "error"; a bug -> error "internal" (one source's
    bug must not take the lookup down). Cancellation is not caught: the
    caller that cancelled reports it.
    """
    from .errors import (ConnectError, DataError, DNSError, HTTPError, NetTimeout,
                         SetupWizardError, TLSError)
    from .i18n import msg
    from .models import Outcome
    start = clock()
    try:
        outcome = await run()
    except NetTimeout as exc:
        outcome = Outcome("timeout", exc.message, kind="net-timeout")
    except DNSError as exc:
        outcome = Outcome("timeout" if exc.kind == "timeout" else "error", exc.message,
                          kind=exc.kind)
    except SetupWizardError as exc:
        kind = ("tls" if isinstance(exc, TLSError) else "connect"
                if isinstance(exc, ConnectError) else "http" if isinstance(exc, HTTPError)
                else "document" if isinstance(exc, DataError) else "error")
        outcome = Outcome("error", exc.message, kind=kind)
    except Exception as exc:  # noqa: BLE001 - a bug in one source must not end the run
        outcome = Outcome("error", msg("internal error in {name}: {reason}", name=name,
                                       reason=f"{type(exc).__name__}: {exc}"),
                          kind="internal")
    if outcome.status == "found" and (outcome.config is None or outcome.config.empty):
        outcome = outcome.with_(status="not-found")
    return outcome.with_(name=name or outcome.name,
                         elapsed_ms=int((clock() - start) * 1000))

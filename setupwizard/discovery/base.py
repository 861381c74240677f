"""What every discovery source is and gets."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ..i18n import Message, msg
from ..models import AccountConfig, EmailAddress, Outcome
from ..net import Deadline, Network

if TYPE_CHECKING:
    from ..providers import ProviderDatabase

DEFAULT_ISPDB_URL = "https://autoconfig.thunderbird.net/v1.1/"

#: Source names in rank order (best first). See README, "How discovery ranks".
RANKING = ("providers", "autoconfig", "well-known", "ispdb", "mx", "srv",
           "autodiscover", "autoconfig-http")
#: Sources that exist but only run when asked for or when all others failed.
LAST_RESORT = ("guess",)

#: Source names, as a person reads them
SOURCE_LABELS = {
    "providers": msg("setupwizard's provider database"),
    "autoconfig": msg("the provider's configuration file (autoconfig)"),
    "well-known": msg("the provider's website (well-known)"),
    "autoconfig-http": msg("the provider's configuration file over unencrypted http"),
    "ispdb": msg("the Thunderbird settings database (ISPDB)"),
    "mx": msg("the domain's mail server entry (MX)"),
    "srv": msg("DNS service records (SRV)"),
    "autodiscover": msg("Microsoft Autodiscover"),
    "guess": msg("trying common server names (guess)"),
}



@dataclass(frozen=True)
class DiscoveryOptions:
    """What to ask; built once from the command line. How long to wait is
    not here: every time limit comes from ``network.timeouts`` (runtime)."""

    only: tuple[str, ...] | None = None
    offline: bool = False
    ispdb_url: str = DEFAULT_ISPDB_URL


@dataclass
class Context:
    """Everything a source needs to do its work for one address."""

    address: EmailAddress
    network: Network
    options: DiscoveryOptions
    #: the lookup's deadline (``network.timeouts.lookup`` from its start)
    deadline: Deadline
    providers: "ProviderDatabase"

    @property
    def domain(self) -> str:
        return self.address.ascii_domain

    def step(self) -> float:
        """Seconds one network step may take now: the step timeout
        (``--timeout``), shortened to what is left of the lookup."""
        return self.deadline.cap(self.network.timeouts.request)


def bad_host_warning(where: str, host: str) -> Message:
    """The one warning for a server name that failed
    :func:`~setupwizard.models.check_hostname`: ``where`` names the source
    (an SRV or MX record name, a URL)."""
    shown = "".join(c if c.isprintable() and c.isascii() else "?" for c in host)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return msg("{where} names \"{host}\", which is not a valid server name; it was ignored",
               where=where, host=shown)


class Source(Protocol):
    """A discovery source: ``await source.run(ctx)`` returns an Outcome
    (models.Outcome) or raises a SetupWizardError, which ``runtime.settle``
    turns into a status. It runs as a task and may be cancelled at any
    await: it then sends nothing more (its sockets close with it)."""

    name: str

    async def run(self, ctx: Context) -> Outcome: ...


def race(ctx: Context, tasks: list, *, name: str = "task") -> list[Outcome | None]:
    """Run ``tasks`` (callables returning an Outcome) at once in daemon threads.

    Returns their outcomes in task order as soon as the first task (in
    order) that found something has every task before it finished; tasks
    still running then are left as None. Errors become error outcomes.
    Honours ``ctx.deadline`` and ``ctx.cancelled``.
    """
    import queue as _queue

    from ..errors import DNSError, NetTimeout, SetupWizardError

    results: list[Outcome | None] = [None] * len(tasks)
    done: _queue.Queue = _queue.Queue()

    def run(index: int, task) -> None:
        try:
            outcome = task()
        except NetTimeout as exc:
            outcome = Outcome("timeout", exc.message)
        except DNSError as exc:
            outcome = Outcome("timeout" if exc.kind == "timeout" else "error", exc.message)
        except SetupWizardError as exc:
            outcome = Outcome("error", exc.message)
        except Exception as exc:  # a bug in one sub-task must not hang the source
            outcome = Outcome("error", f"internal error: {type(exc).__name__}: {exc}")
        done.put((index, outcome))

    for index, task in enumerate(tasks):
        threading.Thread(target=run, args=(index, task), daemon=True,
                         name=f"{name}-{index}").start()
    finished = 0
    while finished < len(tasks) and not ctx.cancelled.is_set():
        try:
            index, outcome = done.get(timeout=min(0.25, max(ctx.deadline.remaining(), 0.001)))
        except _queue.Empty:
            if ctx.deadline.expired():
                break
            continue
        results[index] = outcome
        finished += 1
        for result in results:
            if result is None:
                break
            if result.status == "found":
                return results
    return results


def gather(ctx: Context, tasks: list, *, name: str = "task") -> list:
    """Run ``tasks`` at once in daemon threads and wait for all of them (or
    the deadline, or cancellation). Returns, in task order, each task's
    value, the SetupWizardError it raised, or None when it did not finish."""
    import queue as _queue

    from ..errors import SetupWizardError

    results: list = [None] * len(tasks)
    done: _queue.Queue = _queue.Queue()

    def run(index: int, task) -> None:
        try:
            value = task()
        except SetupWizardError as exc:
            value = exc
        except Exception as exc:  # keep a bug in one task from hanging the others
            value = SetupWizardError(f"internal error: {type(exc).__name__}: {exc}")
        done.put((index, value))

    for index, task in enumerate(tasks):
        threading.Thread(target=run, args=(index, task), daemon=True,
                         name=f"{name}-{index}").start()
    for _ in tasks:
        if ctx.cancelled.is_set():
            break
        try:
            index, value = done.get(timeout=max(ctx.deadline.remaining(), 0.001))
        except _queue.Empty:
            break
        results[index] = value
    return results

"""What every discovery source is and gets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Awaitable, Callable, Protocol

from ..i18n import Message, msg
from ..models import EmailAddress, Outcome
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


async def race_steps(ctx: Context, steps: list[Callable[[], Awaitable[Outcome]]], *,
                     name: str) -> list[Outcome | None]:
    """Run the sub-steps of one source (coroutine factories, best first) at
    once under the lookup's deadline. Returns their Outcomes in step order
    as soon as the first step that found something has every step before
    it finished; steps still running then are cancelled and left as None.
    Exceptions become statuses in ``runtime.settle``."""
    from ..runtime import ranked_race, settle
    results, _ = await ranked_race(
        [lambda step=step: settle(step, name=name) for step in steps],
        is_found=lambda outcome: outcome is not None and outcome.status == "found",
        deadline=ctx.deadline)
    return results

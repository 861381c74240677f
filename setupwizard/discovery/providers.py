"""Source ``providers``: our bundled database (instant, offline, trusted)."""

from __future__ import annotations

from ..i18n import msg
from .base import Context, Outcome


class ProvidersSource:
    name = "providers"

    async def run(self, ctx: Context) -> Outcome:
        provider = ctx.providers.by_domain(ctx.domain)
        if provider is None:
            return Outcome.not_found(msg("{domain} is not in our provider database",
                                         domain=ctx.address.domain))
        config = provider.config_for(ctx.address, source=self.name, trusted=True)
        return Outcome.found(config, msg("{provider} (bundled database)",
                                         provider=provider.name))

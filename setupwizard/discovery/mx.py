"""Source ``mx``: settings derived from the domain's mail exchanger.

Many people use their own domain with a large host (Google Workspace,
Microsoft 365, IONOS...). The MX record names that host. We match it
against the provider database's MX patterns, then derive two domains from
it - the MX host minus its first label, and its registrable base domain
(Public Suffix List) - and ask our database, their autoconfig and the
ISPDB about those. DNS is not authenticated, so the result must be
confirmed by the user unless the resolver validated it with DNSSEC.
"""

from __future__ import annotations

import dataclasses

from ..errors import DNS_NXDOMAIN, DNSError
from ..i18n import msg
from ..models import AccountConfig, check_hostname
from .autoconfig import autoconfig_url, combine, fetch_clientconfig
from .base import Context, Outcome, bad_host_warning, race_steps
from .ispdb import fetch_ispdb
from .psl import registrable_domain


def candidate_domains(mx_host: str, mail_domain: str) -> list[str]:
    """Domains to ask about, best first, without the mail domain itself."""
    mx_host = mx_host.lower().rstrip(".")
    out: list[str] = []
    labels = mx_host.split(".")
    if len(labels) > 2:
        out.append(".".join(labels[1:]))
    base = registrable_domain(mx_host)
    if base:
        out.append(base)
    seen: set[str] = set()
    result = []
    for domain in out:
        if domain != mail_domain and domain not in seen and registrable_domain(domain):
            seen.add(domain)
            result.append(domain)
    return result


def best_mx(records) -> str | None:
    """The most preferred MX host (lowest preference, then name order);
    '' for a null MX (RFC 7505: the domain accepts no mail)."""
    if not records:
        return None
    best = min(records, key=lambda r: (r.preference, r.exchange.to_text().lower()))
    host = best.exchange.to_text().rstrip(".").lower()
    return host


class MXSource:
    name = "mx"

    async def run(self, ctx: Context) -> Outcome:
        try:
            answer = await ctx.network.dns.query(ctx.domain, "MX", timeout=ctx.step())
        except DNSError as exc:
            if exc.kind == DNS_NXDOMAIN:
                return Outcome.not_found(msg("the domain {domain} does not exist in DNS",
                                             domain=ctx.address.domain))
            raise
        host = best_mx(answer.records)
        if host is None:
            return Outcome.not_found(msg("{domain} has no MX record", domain=ctx.domain))
        if host == "":
            return Outcome.not_found(msg("{domain} says it receives no mail (null MX)",
                                         domain=ctx.domain))
        checked = check_hostname(host)
        if checked is None:
            return Outcome.not_found(msg("{domain} has no usable MX record", domain=ctx.domain),
                                     (bad_host_warning(f"MX {ctx.domain}", host),))
        host = checked
        trusted = answer.authenticated
        provider = ctx.providers.by_mx(host)
        if provider is not None:
            config = provider.config_for(ctx.address, source=self.name, trusted=trusted)
            return Outcome.found(config, msg("mail for {domain} goes to {mx}, a server of "
                                             "{provider}", domain=ctx.domain, mx=host,
                                             provider=provider.name))
        steps = []
        for domain in candidate_domains(host, ctx.domain):
            steps.append(lambda d=domain: self._from_database(ctx, d, host, trusted))
            steps.append(lambda d=domain: self._relabel(fetch_clientconfig(
                ctx, autoconfig_url(d, ctx.address.ascii), source=self.name,
                trusted=trusted, site=d), host))
            steps.append(lambda d=domain: self._relabel(fetch_ispdb(
                ctx, d, source=self.name, trusted=trusted), host))
        if not steps:
            return Outcome.not_found(msg("nothing to learn from the MX host {mx}", mx=host))
        outcome = combine(await race_steps(ctx, steps, name=self.name))
        if outcome.status != "found" and outcome.status != "timeout":
            return Outcome.not_found(msg("nothing known about the MX host {mx}", mx=host),
                                     outcome.warnings)
        return outcome

    async def _from_database(self, ctx: Context, domain: str, host: str,
                             trusted: bool) -> Outcome:
        provider = ctx.providers.by_domain(domain)
        if provider is None:
            return Outcome.not_found()
        config = provider.config_for(ctx.address, source=self.name, trusted=trusted)
        return Outcome.found(config, msg("mail for {domain} goes to {mx}, a server of "
                                         "{provider}", domain=ctx.domain, mx=host,
                                         provider=provider.name))

    async def _relabel(self, pending, host: str) -> Outcome:
        outcome: Outcome = await pending
        if outcome.config is None:
            return outcome
        config: AccountConfig = outcome.config
        return Outcome.found(dataclasses.replace(config, source=self.name),
                             msg("via the MX host {mx}: {detail}", mx=host,
                                 detail=outcome.detail), outcome.warnings)

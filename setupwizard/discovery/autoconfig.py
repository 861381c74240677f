"""Sources ``autoconfig``, ``well-known`` and ``autoconfig-http``: the
provider's own clientConfig file, and the shared code that fetches and
reads a clientConfig from any URL (also used by ``ispdb`` and ``mx``)."""

from __future__ import annotations

from typing import Callable
from urllib.parse import quote, urlsplit

from ..errors import DNS_ABOUT_THE_NAME, ConfigDocumentError, DNSError, RedirectRefused
from ..i18n import msg
from ..models import AccountConfig
from ..net import https_only
from .base import Context, Outcome, race_steps

CONFIG_PATH = "/mail/config-v1.1.xml"
WELL_KNOWN_PATH = "/.well-known/autoconfig/mail/config-v1.1.xml"


def _query(address: str | None) -> str:
    return f"?emailaddress={quote(address, safe='@')}" if address else ""


def autoconfig_url(domain: str, address: str | None, scheme: str = "https") -> str:
    """The provider autoconfig URL. Over plain http pass ``address=None``:
    the address is not sent where anyone on the way could read it."""
    return f"{scheme}://autoconfig.{domain}{CONFIG_PATH}{_query(address)}"


def well_known_url(domain: str, address: str | None, scheme: str = "https") -> str:
    return f"{scheme}://{domain}{WELL_KNOWN_PATH}{_query(address)}"


def _looks_like_html(body: bytes, content_type: str) -> bool:
    if content_type in ("text/html", "application/xhtml+xml"):
        return True
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<!doctype html") or head.startswith(b"<html")


def _same_site(host: str, domain: str) -> bool:
    host, domain = host.lower().rstrip("."), domain.lower().rstrip(".")
    return host == domain or host.endswith("." + domain)


async def fetch_clientconfig(ctx: Context, url: str, *, source: str, trusted: bool,
                             redirect_policy=https_only,
                             site: str | Callable[[], str] | None = None,
                             missing_host_is_not_found: bool = True) -> Outcome:
    """GET ``url`` and read it as a clientConfig for ``ctx.address``.

    Returns a found Outcome, or not-found for 404/410 and documents without
    usable servers; raises NetworkError or returns an error Outcome for
    anything else (server errors, HTML, hostile or broken XML). ``site`` is
    the domain the answer is expected from: a redirect that leaves it makes
    the result untrusted; it may be a function giving that domain, called only
    after a redirect (the Public Suffix List behind it costs tens of
    milliseconds to load, and most answers come without one). A 404/410 answer is not-found with ``kind``
    "absent". A host that does not exist is not-found too, unless
    ``missing_host_is_not_found`` is false (then its DNSError is raised).
    """
    from ..formats import clientconfig

    try:
        response = await ctx.network.fetch("GET", url, timeout=ctx.step(),
                                           deadline=ctx.deadline,
                                           redirect_policy=redirect_policy)
    except DNSError as exc:
        if exc.kind in DNS_ABOUT_THE_NAME and missing_host_is_not_found:
            # no such host: nothing published there, which is not an error
            return Outcome.not_found(msg("{host} does not exist",
                                         host=urlsplit(url).hostname))
        raise
    except RedirectRefused as exc:
        # also a warning: the user should learn where the server tried to send us
        return Outcome("error", exc.message, None, (exc.message,))
    if response.status in (404, 410):
        return Outcome.not_found(msg("no configuration file at {url} (HTTP {status})",
                                     url=_short_url(url), status=response.status)
                                 ).with_(kind="absent")
    if response.status != 200:
        return Outcome("error", msg("{host} answered HTTP {status}",
                                    host=urlsplit(url).hostname, status=response.status))
    if _looks_like_html(response.body, response.content_type):
        return Outcome("error", msg("{url} sent a web page, not a configuration file",
                                    url=_short_url(response.url)))
    warnings = []
    final_host = urlsplit(response.url).hostname or ""
    if response.redirects and site and not _same_site(
            final_host, site() if callable(site) else site):
        trusted = False
        warnings.append(msg("{url} redirected to another domain, {host}; these settings "
                            "need your confirmation", url=_short_url(url), host=final_host))
    try:
        document = clientconfig.parse(response.body, address=ctx.address, source=source,
                                      trusted=trusted, origin=response.url)
    except ConfigDocumentError as exc:
        return Outcome("error", msg("the file at {url} is unusable: {reason}",
                                    url=_short_url(response.url), reason=exc.message))
    config: AccountConfig = document.to_account_config()
    warnings.extend(config.notes)
    if config.empty:
        return Outcome.not_found(msg("the file at {url} names no IMAP, POP3 or SMTP server",
                                     url=_short_url(response.url)), tuple(warnings))
    return Outcome.found(config, msg("found at {url}", url=_short_url(response.url)),
                         tuple(warnings))


def _short_url(url: str) -> str:
    """The URL without its query (which holds the user's address)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class AutoconfigSource:
    name = "autoconfig"

    async def run(self, ctx: Context) -> Outcome:
        return await fetch_clientconfig(ctx, autoconfig_url(ctx.domain, ctx.address.ascii),
                                  source=self.name, trusted=True, site=ctx.domain)


class WellKnownSource:
    name = "well-known"

    async def run(self, ctx: Context) -> Outcome:
        return await fetch_clientconfig(ctx, well_known_url(ctx.domain, ctx.address.ascii),
                                  source=self.name, trusted=True, site=ctx.domain)


def _any_redirect(from_url: str, to_url: str) -> str | None:
    return None


class AutoconfigHTTPSource:
    """Both provider URLs over plain http: anyone on the path can change the
    answer, so the result is never trusted and must be confirmed."""

    name = "autoconfig-http"

    async def run(self, ctx: Context) -> Outcome:
        urls = [autoconfig_url(ctx.domain, None, "http"),
                well_known_url(ctx.domain, None, "http")]
        steps = [lambda u=u: fetch_clientconfig(ctx, u, source=self.name, trusted=False,
                                                redirect_policy=_any_redirect,
                                                site=ctx.domain)
                 for u in urls]
        return combine(await race_steps(ctx, steps, name=self.name))


def combine(results: list[Outcome | None]) -> Outcome:
    """The first found outcome; otherwise a summary of why none was found."""
    for result in results:
        if result is not None and result.status == "found":
            return result
    finished = [r for r in results if r is not None]
    if not finished:
        return Outcome("timeout", msg("no answer before the deadline"))
    warnings = tuple(w for r in finished for w in r.warnings)
    if all(r.status == "timeout" for r in finished):
        return Outcome("timeout", finished[0].detail, None, warnings, kind=finished[0].kind)
    errors = [r for r in finished if r.status == "error"]
    if errors and len(errors) == len(finished):
        return Outcome("error", errors[0].detail, None, warnings, kind=errors[0].kind)
    details = [r.detail for r in finished if r.status == "not-found"] or \
        [r.detail for r in finished]
    return Outcome("not-found", details[0], None, warnings)

"""Source ``autodiscover``: Microsoft's Autodiscover in its "POX" form, which
many hosts (and Exchange servers) answer with IMAP/POP3/SMTP settings.

One round asks, all at once and best first:

1. ``POST https://autodiscover.<domain>/autodiscover/autodiscover.xml``
2. ``POST https://<domain>/autodiscover/autodiscover.xml``
3. ``GET http://autodiscover.<domain>/autodiscover/autodiscover.xml``, and
   only if it redirects to an https URL, ``POST`` there (the address is
   never sent over plain http);
4. SRV ``_autodiscover._tcp.<domain>``, then ``POST`` to
   ``https://<target>:<port>/autodiscover/autodiscover.xml``.

The first of them (in that order) that gets a usable answer wins once the
ones before it are done. A ``redirectAddr`` answer starts a new round for
the new address (which then also becomes the default username), a
``redirectUrl`` answer one POST to that https URL; at most
:data:`MAX_REDIRECTS` of these in total, and a loop stops at once.

Trust: answers over https from the mail domain are trusted. Anything that
led to another registrable domain - an Autodiscover redirect, an HTTP
redirect, the plain-http redirect of (3) - or an SRV target outside the
domain makes the result untrusted, with a warning naming the other host.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

from ..errors import (DNS_ABOUT_THE_NAME, DNS_NXDOMAIN, ConnectError, DNSError, HTTPError,
                      InvalidAddress, TLSError)
from ..formats.autodiscover import (AutodiscoverDocumentError, AutodiscoverResponse,
                                    looks_like_html, parse_response, request_body)
from ..i18n import Message, msg
from ..models import AccountConfig, EmailAddress, check_hostname
from ..net import https_only
from ..runtime import ranked_race, settle
from .base import Context, Outcome, bad_host_warning
from .psl import registrable_domain
from .srv import inside, order_records

PATH = "/autodiscover/autodiscover.xml"
#: redirectAddr + redirectUrl answers followed for one lookup, in total
MAX_REDIRECTS = 3
#: HTTP redirects followed for one request
MAX_HTTP_REDIRECTS = 3
#: SRV targets tried, best first, when the better ones cannot be reached
MAX_SRV_TARGETS = 3
#: Autodiscover answers are a few kB
MAX_BYTES = 256 * 1024
HEADERS = {"Content-Type": "text/xml; charset=utf-8",
           "Accept": "text/xml, application/xml;q=0.9, */*;q=0.1"}

# How telling a failed attempt is, to pick the one to report (lowest first):
# an answer from an Autodiscover server beats a server that failed or hung,
# which beats "nothing there" (404, no such host, no SRV record). A failed
# attempt is an Outcome; its ``kind`` marks the first two.
_EXCHANGE_ONLY, _ANSWERED, _FAILED, _NOT_FOUND = range(4)
#: Outcome.kind of a failed attempt where an Autodiscover server answered
ANSWERED = "answered"
EXCHANGE_ONLY = "exchange-only"


@dataclass(frozen=True)
class _Answer:
    """A usable Autodiscover document (settings or a redirect) and where it
    came from: what an attempt gives when it succeeds. Every other attempt
    gives an Outcome saying why not."""

    response: AutodiscoverResponse
    url: str
    trusted: bool = True
    detail: object = ""
    warnings: tuple = ()


def _rank(attempt) -> int:
    if isinstance(attempt, _Answer):
        return _ANSWERED
    if attempt.kind == EXCHANGE_ONLY:
        return _EXCHANGE_ONLY
    if attempt.kind == ANSWERED:
        return _ANSWERED
    return _NOT_FOUND if attempt.status == "not-found" else _FAILED


@dataclass
class _Chain:
    """What one lookup has gone through so far, across redirects."""

    #: the address's domain; ``base`` (its registrable domain) is worked out
    #: only when a redirect asks, since the Public Suffix List costs tens of
    #: milliseconds to load and most lookups never redirect
    domain: str
    trusted: bool = True
    redirects: int = 0
    addresses: set[str] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)
    warnings: list[Message] = field(default_factory=list)
    #: the last redirect, to explain a failure after it
    via: str | None = None

    @functools.cached_property
    def base(self) -> str:
        return _base(self.domain)


def autodiscover_urls(domain: str) -> tuple[str, str, str]:
    """The three fixed URLs for ``domain``: two https POSTs, one http GET."""
    return (f"https://autodiscover.{domain}{PATH}", f"https://{domain}{PATH}",
            f"http://autodiscover.{domain}{PATH}")


class AutodiscoverSource:
    name = "autodiscover"

    async def run(self, ctx: Context) -> Outcome:
        """Look the address up by Autodiscover.

        Returns a found Outcome with the IMAP/POP3/SMTP servers, not-found
        (nothing there, only Exchange protocols, unknown address) or an
        error Outcome (unusable answers, refused or looping redirects).
        Network failures of single URLs become part of the summary.
        """
        address = ctx.address
        chain = _Chain(domain=address.ascii_domain, addresses={address.ascii.lower()})
        results = await self._round(ctx, address, chain)
        while True:
            winner = next((r for r in results if isinstance(r, _Answer)), None)
            if winner is None:
                return self._summary(results, chain)
            chain.warnings.extend(winner.warnings)
            chain.trusted &= winner.trusted
            chain.urls.add(_key(winner.url))
            response = winner.response
            if response.action == "settings":
                return self._found(ctx, winner, address, chain)
            chain.redirects += 1
            if chain.redirects > MAX_REDIRECTS:
                return self._stop(chain, msg("Autodiscover redirected more than {max} times; "
                                             "gave up at {url}", max=MAX_REDIRECTS,
                                             url=_short(winner.url)))
            if response.action == "redirectAddr":
                step = self._redirect_address(response.redirect or "", winner, chain)
                if isinstance(step, Outcome):
                    return step
                address = step
                results = await self._round(ctx, address, chain)
            else:
                step = self._redirect_url(response.redirect or "", winner, chain)
                if isinstance(step, Outcome):
                    return step
                results = await self._attempts(ctx, [(_short(step), lambda url=step, a=address:
                                                      self._post(ctx, url, a, trusted=True,
                                                                 redirected=True))])

    # -- one round -------------------------------------------------------
    async def _round(self, ctx: Context, address: EmailAddress, chain: _Chain) -> list:
        domain = address.ascii_domain
        first, second, plain = autodiscover_urls(domain)
        srv = f"_autodiscover._tcp.{domain}"
        # after a redirectAddr answer every URL of the round is a redirect target
        redirected = chain.redirects > 0
        return await self._attempts(ctx, [
            (_short(first), lambda: self._post(ctx, first, address, trusted=True,
                                               redirected=redirected)),
            (_short(second), lambda: self._post(ctx, second, address, trusted=True,
                                                redirected=redirected)),
            (_short(plain), lambda: self._via_http(ctx, plain, address, chain)),
            (srv, lambda: self._via_srv(ctx, address, redirected=redirected))])

    async def _attempts(self, ctx: Context, tasks: list) -> list:
        """Race ``tasks`` ((label, coroutine factory) pairs, best first);
        return an _Answer or an Outcome for each, network failures and
        unfinished (cancelled) ones included."""
        results, _ = await ranked_race([lambda f=fn: self._attempt(f) for _, fn in tasks],
                                       is_found=lambda r: isinstance(r, _Answer),
                                       deadline=ctx.deadline)
        out: list = []
        for (label, _), result in zip(tasks, results):
            if result is None:
                result = Outcome("timeout", msg("{url} did not answer before the deadline",
                                                url=label), kind="timeout")
            out.append(result)
        return out

    async def _attempt(self, step):
        """Run one attempt: an _Answer, or an Outcome (exceptions mapped by
        runtime.settle, then read the Autodiscover way: a host that does
        not exist or refuses connections publishes nothing)."""
        answer: list[_Answer] = []

        async def run() -> Outcome:
            value = await step()
            if isinstance(value, _Answer):
                answer.append(value)
                return Outcome.not_found()
            return value
        outcome = await settle(run, name=self.name)
        if answer:
            return answer[0]
        if outcome.kind in (*DNS_ABOUT_THE_NAME, "connect"):
            return outcome.with_(status="not-found")
        if outcome.kind == "tls":
            return outcome.with_(detail=msg("the secure connection failed: {reason}",
                                            reason=outcome.detail))
        return outcome

    async def _post(self, ctx: Context, url: str, address: EmailAddress, *,
                    trusted: bool, redirected: bool = False):
        """POST the request to ``url`` and read the answer; ``redirected``
        when a redirect chose ``url`` (net's internal-address rule applies).
        Raises NetworkError when the server cannot be reached."""
        short = _short(url)
        if redirected:
            refusal = await ctx.network.redirect_refusal(url, timeout=ctx.step())
            if refusal:
                return Outcome("error", msg("{url} was not asked: {reason}", url=short,
                                            reason=refusal), kind=ANSWERED)
        try:
            response = await ctx.network.fetch("POST", url, data=request_body(address.ascii),
                                               headers=HEADERS, timeout=ctx.step(),
                                               deadline=ctx.deadline, max_bytes=MAX_BYTES,
                                               redirect_policy=https_only,
                                               max_redirects=MAX_HTTP_REDIRECTS)
        except HTTPError as exc:
            # the server answered, but unusably: too big, broken, bad redirects
            return Outcome("error", msg("{url} gave no usable answer: {reason}", url=short,
                                        reason=exc.message), kind=ANSWERED)
        warnings: list[Message] = []
        final_host = (urlsplit(response.url).hostname or "").lower()
        start_host = (urlsplit(url).hostname or "").lower()
        if response.redirects and _base(final_host) != _base(start_host):
            trusted = False
            warnings.append(msg("{url} redirected to another domain, {host}; these settings "
                                "need your confirmation", url=short, host=final_host))
        status = response.status
        if status in (401, 403):
            return Outcome("not-found", msg("{url} wants you to sign in before it "
                                            "answers (HTTP {status}); it publishes "
                                            "no settings without a password", url=short, status=status),
                           kind=ANSWERED)
        if status in (404, 405, 410, 501):
            return Outcome.not_found(msg("no Autodiscover service at {url} (HTTP {status})",
                                         url=short, status=status))
        if status != 200:
            return Outcome("error", msg("{host} answered HTTP {status}", host=final_host,
                                        status=status), kind="http")
        if response.content_type in ("text/html", "application/xhtml+xml") or \
                looks_like_html(response.body):
            return Outcome("error", msg("{url} sent a web page, not an Autodiscover answer",
                                        url=_short(response.url)), kind=ANSWERED)
        try:
            parsed = parse_response(response.body, address=address.ascii, source=self.name)
        except AutodiscoverDocumentError as exc:
            return Outcome("error", msg("the Autodiscover answer from {url} is unusable: "
                                        "{reason}", url=_short(response.url), reason=exc.reason),
                           kind=ANSWERED)
        warnings.extend(parsed.notes)
        where = _short(response.url)
        if parsed.action == "error":
            return self._error_reply(parsed, where, tuple(warnings))
        if parsed.action == "settings" and not parsed.servers:
            if parsed.exchange_only:
                detail = msg("{url} gave an Exchange-only answer ({types}): this account "
                             "needs an Exchange or ActiveSync client, not IMAP",
                             url=where, types=", ".join(parsed.other_types))
                return Outcome("not-found", detail, None, tuple(warnings),
                               kind=EXCHANGE_ONLY)
            return Outcome("not-found", msg("the Autodiscover answer from {url} names no "
                                            "IMAP, POP3 or SMTP server", url=where),
                           None, tuple(warnings), kind=ANSWERED)
        return _Answer(parsed, response.url, trusted, msg("found at {url}", url=where),
                       tuple(warnings))

    @staticmethod
    def _error_reply(parsed: AutodiscoverResponse, where: str, warnings: tuple) -> Outcome:
        code = parsed.error_code or "?"
        meaning = _ERROR_MEANINGS.get(code)
        text = meaning if meaning is not None else (parsed.error_message or "-")
        detail = msg("{url} answered Autodiscover error {code}: {meaning}", url=where,
                     code=code, meaning=text)
        # 500/501: the server knows nothing for this address - a plain "no"
        status = "not-found" if code in ("500", "501") else "error"
        return Outcome(status, detail, None, warnings, kind=ANSWERED)

    async def _via_http(self, ctx: Context, url: str, address: EmailAddress,
                        chain: _Chain):
        """GET the plain-http URL without the address; follow only its
        redirect to https, then POST there."""
        response = await ctx.network.fetch("GET", url, timeout=ctx.step(),
                                           deadline=ctx.deadline, max_bytes=MAX_BYTES,
                                           redirect_policy=None)
        location = response.headers.get("location", "").strip()
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return Outcome.not_found(msg("{url} does not redirect (HTTP {status})",
                                         url=_short(url), status=response.status))
        target, parts = _join(url, location)
        if parts is None or parts.scheme != "https" or not parts.hostname:
            return Outcome("error", msg("{url} redirects to {target}, which is not https; "
                                        "not followed", url=_short(url), target=_clip(target)),
                           kind=ANSWERED)
        host = parts.hostname.lower()
        trusted = _base(host) == chain.base
        reply = await self._post(ctx, target, address, trusted=trusted, redirected=True)
        if not trusted and isinstance(reply, _Answer):
            reply = _untrusted(reply, msg("{url} sent us on to {host}, another domain; these "
                                          "settings need your confirmation",
                                          url=_short(url), host=host))
        return reply

    async def _via_srv(self, ctx: Context, address: EmailAddress, *,
                       redirected: bool = False):
        """Look up _autodiscover._tcp and POST to its best reachable target."""
        domain = address.ascii_domain
        name = f"_autodiscover._tcp.{domain}"
        try:
            answer = await ctx.network.dns.query(name, "SRV", timeout=ctx.step())
        except DNSError as exc:
            if exc.kind == DNS_NXDOMAIN:
                return Outcome.not_found(msg("no SRV record {name}", name=name))
            raise
        records = list(answer.records)
        if not records:
            return Outcome.not_found(msg("no SRV record {name}", name=name))
        if len(records) == 1 and records[0].target.to_text() == ".":
            return Outcome.not_found(msg("{name} says Autodiscover is not offered "
                                         "(target \".\")", name=name))
        targets = []
        bad_hosts: list[Message] = []
        for target in order_records(records):
            if target.host in ("", ".") or not target.port:
                continue
            host = check_hostname(target.host)
            if host is None:
                bad_hosts.append(bad_host_warning(name, target.host))
                continue
            targets.append(dataclasses.replace(target, host=host))
        if not targets and bad_hosts:
            return Outcome.not_found(msg("{name} names no usable target", name=name),
                                     tuple(bad_hosts))
        last: ConnectError | TLSError | DNSError | None = None
        for target in targets[:MAX_SRV_TARGETS]:
            netloc = target.host if target.port == 443 else f"{target.host}:{target.port}"
            url = f"https://{netloc}{PATH}"
            trusted = inside(target.host, domain)
            try:
                reply = await self._post(ctx, url, address, trusted=trusted,
                                         redirected=redirected)
            except (ConnectError, TLSError, DNSError) as exc:
                if isinstance(exc, DNSError) and exc.kind == "timeout":
                    raise
                last = exc  # unreachable or a bad certificate: the next target may do
                continue
            if not trusted and isinstance(reply, _Answer):
                reply = _untrusted(reply, msg("the SRV record {name} points to {host}, outside "
                                              "{domain}: confirm that this server is really "
                                              "yours", name=name, host=target.host,
                                              domain=domain))
            if bad_hosts:
                reply = dataclasses.replace(reply, warnings=(*bad_hosts, *reply.warnings))
            return reply
        if last is not None:
            raise last
        return Outcome.not_found(msg("{name} names no usable target", name=name))

    # -- redirects -------------------------------------------------------
    def _redirect_address(self, target: str, winner: _Answer,
                          chain: _Chain) -> EmailAddress | Outcome:
        try:
            new = EmailAddress.parse(target)
        except InvalidAddress:
            return self._stop(chain, msg("{url} redirected to {target}, which is not an "
                                         "e-mail address", url=_short(winner.url),
                                         target=_clip(target)))
        if new.ascii.lower() in chain.addresses:
            return self._stop(chain, msg("Autodiscover redirects in a loop (back to {target})",
                                         target=new.ascii))
        chain.addresses.add(new.ascii.lower())
        if _base(new.ascii_domain) != chain.base:
            chain.trusted = False
            chain.warnings.append(msg("Autodiscover sent us on to the address {target}, at "
                                      "another domain; these settings need your "
                                      "confirmation", target=new.ascii))
        chain.via = new.ascii
        return new

    def _redirect_url(self, target: str, winner: _Answer, chain: _Chain) -> str | Outcome:
        target, parts = _join(winner.url, target.strip())
        if parts is None or parts.scheme != "https" or not parts.hostname:
            return self._stop(chain, msg("{url} redirected to {target}, which is not an https "
                                         "URL; not followed", url=_short(winner.url),
                                         target=_clip(target)))
        if _key(target) in chain.urls:
            return self._stop(chain, msg("Autodiscover redirects in a loop (back to {target})",
                                         target=_short(target)))
        host = parts.hostname.lower()
        if _base(host) != chain.base:
            chain.trusted = False
            chain.warnings.append(msg("Autodiscover sent us on to {host}, another domain; "
                                      "these settings need your confirmation", host=host))
        chain.via = _short(target)
        return target

    # -- results ---------------------------------------------------------
    def _found(self, ctx: Context, winner: _Answer, address: EmailAddress,
               chain: _Chain) -> Outcome:
        response = winner.response
        trusted = chain.trusted
        servers = [s.with_(trusted=trusted) for s in response.servers]
        config = AccountConfig(incoming=tuple(s for s in servers if s.protocol != "smtp"),
                               outgoing=tuple(s for s in servers if s.protocol == "smtp"),
                               source=self.name, trusted=trusted, origin=_short(winner.url),
                               notes=response.notes)
        detail = winner.detail
        if address != ctx.address:
            detail = msg("found at {url}, for the address {address}",
                         url=_short(winner.url), address=address.ascii)
        return Outcome.found(config, detail, tuple(_unique(chain.warnings)))

    def _stop(self, chain: _Chain, detail: Message) -> Outcome:
        return Outcome("error", detail, None, tuple(_unique(chain.warnings)))

    def _summary(self, results: list, chain: _Chain) -> Outcome:
        """Why nothing was found: the most telling of the attempts."""
        warnings = _unique(chain.warnings + [w for r in results for w in r.warnings])
        if not results:
            best: Outcome = Outcome("timeout", msg("no answer before the deadline"))
        else:
            best = min(results, key=_rank)
        detail = best.detail
        if chain.via:
            detail = msg("after a redirect to {target}: {detail}", target=chain.via,
                         detail=detail)
        status = best.status if best.status in ("not-found", "error", "timeout") else "error"
        kind = None if best.kind in (ANSWERED, EXCHANGE_ONLY) else best.kind
        return Outcome(status, detail, None, tuple(warnings), kind=kind)


_ERROR_MEANINGS: dict[str, Message] = {
    "500": msg("the address is unknown there"),
    "501": msg("there are no settings for this address"),
    "600": msg("the server found our request invalid"),
    "601": msg("the server offers no settings of the kind we asked for"),
    "602": msg("the settings for this address are misconfigured on the server"),
    "603": msg("the server had an internal error"),
}


def _untrusted(reply: _Answer, warning: Message) -> _Answer:
    return dataclasses.replace(reply, trusted=False, warnings=(warning, *reply.warnings))


def _base(host: str) -> str:
    host = host.lower().rstrip(".")
    return registrable_domain(host) or host


def _short(url: str) -> str:
    """``url`` without query or fragment, for messages."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _join(base: str, reference: str):
    """``reference`` resolved against ``base`` and its split parts; parts is
    None when the result is no valid URL (bad port, bad brackets...)."""
    try:
        target = urljoin(base, reference)
        parts = urlsplit(target)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return reference, None
    return target, parts


def _key(url: str) -> str:
    """``url`` normalised for loop detection."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port not in (None, 443) else None
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def _clip(text: str, limit: int = 120) -> str:
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _unique(items) -> list:
    out: list = []
    for item in items:
        if item not in out:
            out.append(item)
    return out

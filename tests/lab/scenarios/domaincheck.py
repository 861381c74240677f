"""Lab domains for ``setupwizard check-domain`` (tests/cli/test_check_domain.py).

The healthy Dovecot's certificate names only its own host (and the
``*.guess.test`` names), so domains that should work point at
``healthy.mail.test`` itself; start the Dovecot variants a test relies on
with ``lab.mail(variant)`` first.

* ``mail.test``: autoconfig and SRV records, both naming
  ``healthy.mail.test`` - a host inside the domain, so nothing is
  questionable: everything works, only suggestions (Autodiscover).
* ``dc-aconly.test``: autoconfig only (healthy): works; SRV records are
  suggested, with the exact records.
* ``dc-outside.test``: autoconfig and SRV agree, but the SRV records point
  outside the domain (to healthy.mail.test): a warning, still working.
* ``dc-conflict.test``: autoconfig names healthy.mail.test, SRV names
  imap.guess.test / smtp.guess.test (the same working Dovecot): the sources
  disagree (a warning).
* ``dc-srvdead.test``: autoconfig names healthy, SRV names refused.lab.test
  (nothing listens there): broken.
* ``dc-expired.test``: autoconfig names expired.mail.test (expired
  certificate): broken.
* ``dc-dead.test``: autoconfig names refused.lab.test for IMAP and
  blackhole.lab.test (accepts, never answers) for SMTP: broken.
* ``dc-broken.test``: the autoconfig file answers HTTP 500; working SRV
  records beside it: broken.
* ``dc-empty.test``: a website and nothing for mail: nothing published.
"""

from __future__ import annotations

from tests.lab.spec import SRV, A, Route

AC = "/mail/config-v1.1.xml"
HEALTHY = "healthy.mail.test"

OK = "mail.test"
AC_ONLY = "dc-aconly.test"
OUTSIDE = "dc-outside.test"
CONFLICT = "dc-conflict.test"
SRV_DEAD = "dc-srvdead.test"
EXPIRED = "dc-expired.test"
DEAD = "dc-dead.test"
BROKEN = "dc-broken.test"
EMPTY = "dc-empty.test"


def clientconfig(domain: str, servers: list[tuple[str, str, str, int, str]]) -> bytes:
    """config-v1.1.xml for ``domain``; servers are (kind, protocol, host,
    port, socketType) with kind incomingServer or outgoingServer."""
    rows = "".join(
        f"    <{kind} type=\"{protocol}\">\n"
        f"      <hostname>{host}</hostname><port>{port}</port>"
        f"<socketType>{socket_type}</socketType>\n"
        f"      <username>%EMAILADDRESS%</username>"
        f"<authentication>password-cleartext</authentication>\n"
        f"    </{kind}>\n"
        for kind, protocol, host, port, socket_type in servers)
    return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            f"<clientConfig version=\"1.1\">\n"
            f"  <emailProvider id=\"{domain}\">\n"
            f"    <domain>{domain}</domain>\n"
            f"    <displayName>Lab {domain}</displayName>\n"
            f"{rows}"
            f"  </emailProvider>\n"
            f"</clientConfig>\n").encode()


def _all_on(host: str) -> list[tuple[str, str, str, int, str]]:
    return [("incomingServer", "imap", host, 993, "SSL"),
            ("incomingServer", "pop3", host, 995, "SSL"),
            ("outgoingServer", "smtp", host, 465, "SSL")]


def _srv(domain: str, imap: str, smtp: str, pop3: str | None = None) -> list:
    records = [SRV(f"_imaps._tcp.{domain}", imap, 993, priority=0, weight=1),
               SRV(f"_submissions._tcp.{domain}", smtp, 465, priority=0, weight=1)]
    if pop3:
        records.append(SRV(f"_pop3s._tcp.{domain}", pop3, 995, priority=0, weight=1))
    return records


def _autoconfig(domain: str, servers, status: int = 200) -> Route:
    if status != 200:
        return Route(f"autoconfig.{domain}", AC, status=status, body=b"oops",
                     scheme="https")
    return Route(f"autoconfig.{domain}", AC, body=clientconfig(domain, servers),
                 content_type="text/xml", scheme="https")


_WITH_AUTOCONFIG = (OK, AC_ONLY, OUTSIDE, CONFLICT, SRV_DEAD, EXPIRED, DEAD, BROKEN)

DNS = [A(f"autoconfig.{domain}", "web") for domain in _WITH_AUTOCONFIG]
DNS += [A(EMPTY, "web")]
DNS += _srv(OK, HEALTHY, HEALTHY, pop3=HEALTHY)
DNS += _srv(OUTSIDE, HEALTHY, HEALTHY, pop3=HEALTHY)
DNS += _srv(CONFLICT, "imap.guess.test", "smtp.guess.test")
DNS += _srv(SRV_DEAD, "refused.lab.test", "refused.lab.test")
DNS += _srv(BROKEN, HEALTHY, HEALTHY)

HTTP = [
    _autoconfig(OK, _all_on(HEALTHY)),
    _autoconfig(AC_ONLY, _all_on(HEALTHY)),
    _autoconfig(OUTSIDE, _all_on(HEALTHY)),
    _autoconfig(CONFLICT, [("incomingServer", "imap", HEALTHY, 993, "SSL"),
                           ("outgoingServer", "smtp", HEALTHY, 465, "SSL")]),
    _autoconfig(SRV_DEAD, [("incomingServer", "imap", HEALTHY, 993, "SSL"),
                           ("outgoingServer", "smtp", HEALTHY, 465, "SSL")]),
    _autoconfig(EXPIRED, _all_on("expired.mail.test")),
    _autoconfig(DEAD, [("incomingServer", "imap", "refused.lab.test", 993, "SSL"),
                       ("outgoingServer", "smtp", "blackhole.lab.test", 465, "SSL")]),
    _autoconfig(BROKEN, [], status=500),
    # a website (its certificate names the domain), nothing for mail
    Route(EMPTY, "/", body=b"<!DOCTYPE html><html><body>Welcome</body></html>",
          content_type="text/html"),
]

"""Lab domains for issue 9, items 6, 8, 9 and 12 (tests/test_security_b.py):
redirects to internal addresses, an ISPDB answer redirected to another
domain, and an Autodiscover answer with a Unicode-digit port."""

from __future__ import annotations

from tests.lab.scenarios.autodiscover import account, protocol, redirect_url
from tests.lab.scenarios.discovery import AC, ISPDB, config_xml
from tests.lab.spec import A, Reply, Route

AD = "/autodiscover/autodiscover.xml"

#: ports of the listeners the test starts (kind -> port): "ip" on
#: 127.77.1.1, "localhost" and "name" on 127.0.0.1. Set by the test while it
#: runs; the handlers build their Location headers from it.
INTERNAL_TARGETS: dict[str, int] = {}


def _internal_url(kind: str, scheme: str = "http", path: str = "/internal-admin?token=1") -> str:
    port = INTERNAL_TARGETS.get(kind, 9)
    host = {"ip": "127.77.1.1", "localhost": "localhost",
            "name": "admin.redir-name.test"}[kind]
    return f"{scheme}://{host}:{port}{path}"


def _redirect_to(kind: str, scheme: str = "http", path: str = "/internal-admin?token=1"):
    def handler(request):
        return Reply(status=302, headers={"Location": _internal_url(kind, scheme, path)})
    return handler


def _redirect_url_document(request):
    return Reply(body=redirect_url(_internal_url("name", "https", AD)),
                 content_type="text/xml")


DNS = [
    A("autoconfig.redir-ip.test", "web"),
    A("autoconfig.redir-localhost.test", "web"),
    A("autoconfig.redir-name.test", "web"),
    A("admin.redir-name.test", "127.0.0.1"),
    A("autodiscover.redir-ad.test", "web"),
    A("autodiscover.redir-adurl.test", "web"),
    A("autoconfig.redir-same.test", "web"),
    A("other-ispdb.test", "web"),
    A("autodiscover.ad-badport.test", "web"),
]

HTTP = [
    # item 8: the plain-http autoconfig redirected inside (the URLs)
    Route("autoconfig.redir-ip.test", AC, handler=_redirect_to("ip"), scheme="http"),
    Route("autoconfig.redir-localhost.test", AC, handler=_redirect_to("localhost", path="/"),
          scheme="http"),
    Route("autoconfig.redir-name.test", AC, handler=_redirect_to("name"), scheme="http"),
    # ... an https Autodiscover POST redirected (HTTP 302) to a name inside
    Route("autodiscover.redir-ad.test", AD, handler=_redirect_to("name", "https", AD),
          scheme="https"),
    # ... an Autodiscover redirectUrl document pointing inside
    Route("autodiscover.redir-adurl.test", AD, handler=_redirect_url_document,
          scheme="https"),
    # ... a redirect to the address of the ISPDB the user named: allowed
    Route("autoconfig.redir-same.test", AC, status=302, scheme="http",
          headers={"Location": "https://ispdb.lab.test/v1.1/ispdb-good.test"}),
    # item 12: the ISPDB redirects to another domain
    Route(ISPDB, "/v1.1/ispdb-redirect.test", status=302,
          headers={"Location": "https://other-ispdb.test/v1.1/ispdb-redirect.test"}),
    Route("other-ispdb.test", "/v1.1/ispdb-redirect.test",
          body=config_xml("ispdb-redirect.test"), content_type="text/xml"),
    # item 9: one Autodiscover server with a Unicode-digit port
    Route("autodiscover.ad-badport.test", AD, content_type="text/xml",
          body=account(protocol("IMAP", "imap.ad-badport.test", 993, SSL="on")
                       + protocol("SMTP", "smtp.ad-badport.test", "\u00b2", SSL="on"))),
]

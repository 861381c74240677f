"""Lab domains for the ``autodiscover`` source (Microsoft POX Autodiscover):
good answers, each way of finding the service, redirects of every kind, and
hostile answers. Handlers answer per e-mail address found in the request, so
one domain can play several parts (``local@domain`` picks the part)."""

from __future__ import annotations

import re

from tests.lab.spec import A, SRV, Reply, Route

AD = "/autodiscover/autodiscover.xml"
RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"


def protocol(kind: str, server: str, port: int | None = None, **fields: str) -> str:
    """One <Protocol> element; ``fields`` become child elements (SSL="on"...)."""
    parts = [f"<Type>{kind}</Type>", f"<Server>{server}</Server>"]
    if port is not None:
        parts.append(f"<Port>{port}</Port>")
    parts += [f"<{name}>{value}</{name}>" for name, value in fields.items()]
    return "<Protocol>" + "".join(parts) + "</Protocol>"


def account(body: str, action: str = "settings") -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="{RESPONSE_NS}">
  <Response xmlns="{OUTLOOK_NS}">
    <Account>
      <AccountType>email</AccountType>
      <Action>{action}</Action>
      {body}
    </Account>
  </Response>
</Autodiscover>
""".encode()


def settings(domain: str, imap: str | None = None) -> bytes:
    return account(protocol("IMAP", imap or f"imap.{domain}", 993, SSL="on", SPA="off")
                   + protocol("SMTP", f"smtp.{domain}", 587, Encryption="TLS", SPA="off",
                              AuthRequired="on"))


def redirect_addr(address: str) -> bytes:
    return account(f"<RedirectAddr>{address}</RedirectAddr>", "redirectAddr")


def redirect_url(url: str) -> bytes:
    return account(f"<RedirectUrl>{url}</RedirectUrl>", "redirectUrl")


def error(code: int, text: str) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="{RESPONSE_NS}">
  <Response>
    <Error Time="16:42:44.4818469" Id="1471052332">
      <ErrorCode>{code}</ErrorCode><Message>{text}</Message><DebugData />
    </Error>
  </Response>
</Autodiscover>
""".encode()


EXCHANGE_ONLY = account(protocol("EXCH", "exch.ad-exchange-only.test")
                        + protocol("EXPR", "outlook.ad-exchange-only.test", SSL="on")
                        + protocol("WEB", "owa.ad-exchange-only.test"))

BOMB = f"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Autodiscover xmlns="{RESPONSE_NS}"><Response xmlns="{OUTLOOK_NS}"><Account>
<Action>settings</Action><Protocol><Type>IMAP</Type><Server>&lol3;</Server></Protocol>
</Account></Response></Autodiscover>""".encode()

HTML = b"<!DOCTYPE html><html><head><title>Welcome</title></head><body>Hi!</body></html>"


def _address(request) -> str:
    found = re.search(rb"<EMailAddress>([^<]*)</EMailAddress>", request.body)
    return found.group(1).decode("utf-8", "replace") if found else ""


def _local(request) -> str:
    return _address(request).split("@")[0]


def _checked(answer):
    """Answer only well-formed POX requests, as Exchange does (600 otherwise)."""
    def handler(request):
        if request.method != "POST" or "text/xml" not in request.headers.get("Content-Type", "") \
                or not _address(request):
            return Reply(body=error(600, "Invalid Request"), content_type="text/xml")
        return Reply(body=answer(request), content_type="text/xml")
    return handler


def _redirect_addr_part(request) -> bytes:
    local = _local(request)
    if local == "carol":  # same base domain: stays trusted
        return redirect_addr("carol@mail.ad-redirect-addr.test")
    if local == "bad":
        return redirect_addr("not an address")
    return redirect_addr(f"{local}@ad-target.test")


def _redirect_url_part(request) -> bytes:
    local = _local(request)
    if local == "plain":
        return redirect_url("http://ad-redirect-url.test/custom/autodiscover.xml")
    if local == "far":
        return redirect_url("https://autodiscover.ad-elsewhere.test/autodiscover/autodiscover.xml")
    return redirect_url("https://ad-redirect-url.test/custom/autodiscover.xml")


def _loop_part(request) -> bytes:
    local = _local(request)
    if local == "ping":
        return redirect_addr("pong@ad-loop.test")
    if local == "pong":
        return redirect_addr("ping@ad-loop.test")
    hop = re.fullmatch(r"hop(\d+)", local)
    if hop:  # a chain that never ends, without ever repeating itself
        return redirect_addr(f"hop{int(hop.group(1)) + 1}@ad-loop.test")
    return redirect_url(f"https://ad-loop.test{AD}")


def _error_part(request) -> bytes:
    if _local(request) == "nobody":
        return error(500, "The email address can't be found.")
    return error(600, "Invalid Request")


def _huge(request):
    return Reply(body=((0, b"<Autodiscover>" + b" " * 65536) for _ in range(100)),
                 content_type="text/xml")


def _drip(request):
    # one byte a second: only the deadline ends it
    return Reply(body=((1.0, b" ") for _ in range(60)), content_type="text/xml")


def _slow_settings(request):
    return Reply(body=[(0.6, settings("ad-priority.test", imap="first.ad-priority.test"))],
                 content_type="text/xml")


POST = ("POST",)

_DOMAINS_ON_WEB = [
    "autodiscover.ad-good.test",
    "autodiscover.ad-priority.test", "ad-priority.test",
    "autodiscover.ad-redirect-addr.test", "autodiscover.mail.ad-redirect-addr.test",
    "autodiscover.ad-target.test",
    "autodiscover.ad-redirect-url.test", "ad-redirect-url.test",
    "autodiscover.ad-elsewhere.test",
    "autodiscover.ad-loop.test", "ad-loop.test",
    "autodiscover.ad-exchange-only.test",
    "autodiscover.ad-http-redirect.test", "autodiscover-s.ad-http-redirect.test",
    "autodiscover.ad-http-far.test", "ad-outsourced.test",
    "autodiscover.ad-http-plain.test",
    "ad.ad-srv.test", "autodiscover.ad-hoster.test",
    "autodiscover.ad-error.test",
    "autodiscover.ad-bomb.test", "autodiscover.ad-html.test", "autodiscover.ad-huge.test",
    "autodiscover.ad-truncated.test", "autodiscover.ad-wrongroot.test",
    "autodiscover.ad-drip.test", "autodiscover.ad-401.test",
    "autodiscover.xn--bcher-ad-65a.test",  # bücher-ad.test
]

DNS = [A(name, "web") for name in _DOMAINS_ON_WEB] + [
    A("autodiscover.ad-blackhole.test", "blackhole"),
    A("autodiscover.ad-badcert.test", "web-untrusted"),
    SRV("_autodiscover._tcp.ad-srv.test", "ad.ad-srv.test", 443, priority=0, weight=1),
    SRV("_autodiscover._tcp.ad-srv-outside.test", "autodiscover.ad-hoster.test", 443),
]

HTTP = [
    Route("autodiscover.ad-good.test", AD, methods=POST,
          handler=_checked(lambda r: settings("ad-good.test"))),
    # the best URL answers late, the second at once: the best must still win
    Route("autodiscover.ad-priority.test", AD, methods=POST, handler=_slow_settings),
    Route("ad-priority.test", AD, methods=POST, content_type="text/xml",
          body=settings("ad-priority.test", imap="second.ad-priority.test")),

    Route("autodiscover.ad-redirect-addr.test", AD, methods=POST,
          handler=_checked(_redirect_addr_part)),
    Route("autodiscover.mail.ad-redirect-addr.test", AD, methods=POST,
          handler=_checked(lambda r: settings("mail.ad-redirect-addr.test"))),
    Route("autodiscover.ad-target.test", AD, methods=POST,
          handler=_checked(lambda r: settings("ad-target.test"))),

    Route("autodiscover.ad-redirect-url.test", AD, methods=POST,
          handler=_checked(_redirect_url_part)),
    Route("ad-redirect-url.test", "/custom/autodiscover.xml", methods=POST,
          handler=_checked(lambda r: settings("ad-redirect-url.test",
                                              imap="custom.ad-redirect-url.test"))),
    Route("autodiscover.ad-elsewhere.test", AD, methods=POST,
          handler=_checked(lambda r: settings("ad-elsewhere.test"))),

    Route("autodiscover.ad-loop.test", AD, methods=POST, handler=_checked(_loop_part)),
    Route("ad-loop.test", AD, methods=POST,
          handler=_checked(lambda r: redirect_url(f"https://autodiscover.ad-loop.test{AD}"))),

    Route("autodiscover.ad-exchange-only.test", AD, methods=POST, body=EXCHANGE_ONLY,
          content_type="text/xml"),

    # the plain-http GET redirect (Microsoft's "HTTP redirect method")
    Route("autodiscover.ad-http-redirect.test", AD, scheme="http", methods=("GET",),
          status=302, headers={"Location": f"https://autodiscover-s.ad-http-redirect.test{AD}"}),
    Route("autodiscover-s.ad-http-redirect.test", AD, scheme="https", methods=POST,
          handler=_checked(lambda r: settings("ad-http-redirect.test"))),
    Route("autodiscover.ad-http-far.test", AD, scheme="http", methods=("GET",),
          status=302, headers={"Location": f"https://ad-outsourced.test{AD}"}),
    Route("ad-outsourced.test", AD, scheme="https", methods=POST,
          handler=_checked(lambda r: settings("ad-outsourced.test"))),
    Route("autodiscover.ad-http-plain.test", AD, scheme="http", methods=("GET",),
          status=302, headers={"Location": "http://autodiscover.ad-http-plain.test/x.xml"}),

    Route("ad.ad-srv.test", AD, methods=POST, handler=_checked(lambda r: settings("ad-srv.test"))),
    Route("autodiscover.ad-hoster.test", AD, methods=POST,
          handler=_checked(lambda r: settings("ad-hoster.test"))),

    Route("autodiscover.ad-error.test", AD, methods=POST, handler=_checked(_error_part)),

    Route("autodiscover.ad-bomb.test", AD, methods=POST, body=BOMB, content_type="text/xml"),
    Route("autodiscover.ad-html.test", AD, methods=POST, body=HTML, content_type="text/html"),
    Route("autodiscover.ad-huge.test", AD, methods=POST, handler=_huge),
    Route("autodiscover.ad-truncated.test", AD, methods=POST, content_type="text/xml",
          body=settings("ad-truncated.test")[:300]),
    # a broken server that echoes the request back
    Route("autodiscover.ad-wrongroot.test", AD, methods=POST,
          handler=lambda r: Reply(body=r.body, content_type="text/xml")),
    Route("autodiscover.ad-drip.test", AD, methods=POST, handler=_drip),
    Route("autodiscover.xn--bcher-ad-65a.test", AD, methods=POST,
          handler=_checked(lambda r: settings("xn--bcher-ad-65a.test"))),
    Route("autodiscover.ad-401.test", AD, methods=POST, status=401,
          headers={"WWW-Authenticate": 'Basic realm="autodiscover"'}),
]

"""Records and routes under labself.test, used only by tests/test_lab.py to
prove the lab itself works."""

from __future__ import annotations

import json

from tests.lab.spec import AAAA, CNAME, MX, SRV, TXT, A, Reply, Route

D = "labself.test"
TRICKY_TXT = 'say "hi", # not a comment; back\\slash'


def _echo(request):
    return Reply(status=200, content_type="application/json",
                 headers={"X-Lab": "echo"},
                 body=json.dumps({"method": request.method, "scheme": request.scheme,
                                  "host": request.host, "path": request.path,
                                  "query": dict(request.query),
                                  "body": request.body.decode("latin-1"),
                                  "user_agent": request.headers.get("user-agent")}))


def _drip(request):
    # 20 bytes over 8 s: every single read is quick, only the total deadline trips
    return Reply(body=((0.4, b"x") for _ in range(20)), content_type="text/plain")


DNS = [
    A(f"www.{D}", "web"),
    A(f"multi.{D}", "127.0.0.1"),
    A(f"multi.{D}", "127.0.0.2"),
    AAAA(f"multi.{D}", "::1"),
    A(f"imap.{D}", "127.0.0.1"),
    CNAME(f"alias.{D}", f"www.{D}"),
    MX(D, f"mx1.{D}", 10),
    MX(D, f"mx2.{D}", 20),
    SRV(f"_imaps._tcp.{D}", f"imap.{D}", 993, priority=0, weight=1),
    SRV(f"_pop3._tcp.{D}", "."),
    TXT(D, "v=spf1 -all"),
    TXT(f"tricky.{D}", TRICKY_TXT),
    TXT(f"long.{D}", "a" * 300),
    TXT(f"multi.{D}", ("first", "second")),
    A(f"untrusted.{D}", "web-untrusted"),
    A(f"wrongname.{D}", "web-wrongname"),
    A(f"blackhole.{D}", "blackhole"),
    A(f"refused.{D}", "refused"),
]

HTTP = [
    Route(f"www.{D}", "/hello", body=b"hello lab\n", content_type="text/plain"),
    Route(f"www.{D}", "/echo", handler=_echo),
    Route(f"www.{D}", "/drip", handler=_drip),
    Route(f"www.{D}", "/plain-only", body=b"http only", scheme="http"),
    Route(f"www.{D}", "/post-only", body=b"posted", methods=("POST",)),
    Route(f"www.{D}", "/moved", status=301, headers={"Location": f"https://www.{D}/hello"}),
    Route(f"untrusted.{D}", "/hello", body=b"should never be read"),
    Route(f"wrongname.{D}", "/hello", body=b"should never be read"),
]

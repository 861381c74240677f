"""Lab domains for the discovery sources: autoconfig, well-known,
autoconfig-http, ispdb, mx and srv, in their good and their hostile forms."""

from __future__ import annotations

from tests.lab.spec import A, MX, SRV, Reply, Route

AC = "/mail/config-v1.1.xml"
WK = "/.well-known/autoconfig/mail/config-v1.1.xml"
ISPDB = "ispdb.lab.test"


def config_xml(domain: str, imap: str | None = None, smtp: str | None = None,
               username: str = "%EMAILADDRESS%", extra: str = "") -> bytes:
    imap = imap or f"imap.{domain}"
    smtp = smtp or f"smtp.{domain}"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="{domain}">
    <domain>{domain}</domain>
    <displayName>Lab {domain}</displayName>
    <incomingServer type="imap">
      <hostname>{imap}</hostname><port>993</port><socketType>SSL</socketType>
      <username>{username}</username><authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.{domain}</hostname><port>995</port><socketType>SSL</socketType>
      <username>{username}</username><authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>{smtp}</hostname><port>465</port><socketType>SSL</socketType>
      <username>{username}</username><authentication>password-cleartext</authentication>
    </outgoingServer>{extra}
  </emailProvider>
</clientConfig>
""".encode()


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<clientConfig version="1.1"><emailProvider id="x"><displayName>&lol3;</displayName>
</emailProvider></clientConfig>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<clientConfig version="1.1"><emailProvider id="x"><displayName>&x;</displayName>
</emailProvider></clientConfig>"""


def _huge(request):
    # 50 MB, announced honestly
    return Reply(headers={"Content-Length": str(50 * 1024 * 1024)},
                 body=[(0, b"<clientConfig>" + b" " * 65536)] * 800,
                 content_type="text/xml")


def _huge_unannounced(request):
    return Reply(body=((0, b" " * 65536) for _ in range(800)), content_type="text/xml")


def _drip(request):
    return Reply(body=((1.0, b" ") for _ in range(60)), content_type="text/xml")


def _slow_config(request):
    return Reply(body=((0.3, config_xml("race-slow.test")),), content_type="text/xml")


def _many_srv(name: str, count: int):
    return [SRV(name, f"imap{i}.srv-many.test", 993, priority=i % 5, weight=1)
            for i in range(count)]


DNS = [
    # autoconfig family
    A("autoconfig.ac-good.test", "web"),
    A("ac-good.test", "web"),
    A("wk-good.test", "web"),
    A("autoconfig.http-only.test", "web"),
    A("autoconfig.ac-404.test", "web"),
    A("autoconfig.ac-500.test", "web"),
    A("autoconfig.ac-html.test", "web"),
    A("autoconfig.ac-bomb.test", "web"),
    A("autoconfig.ac-xxe.test", "web"),
    A("autoconfig.ac-huge.test", "web"),
    A("autoconfig.ac-huge2.test", "web"),
    A("autoconfig.ac-drip.test", "web"),
    A("autoconfig.ac-loop.test", "web"),
    A("autoconfig.ac-tohttp.test", "web"),
    A("autoconfig.ac-otherdomain.test", "web"),
    A("autoconfig.ac-truncated.test", "web"),
    A("autoconfig.ac-badutf8.test", "web"),
    A("autoconfig.ac-wrongroot.test", "web"),
    A("autoconfig.ac-slow.test", "blackhole"),
    A("autoconfig.ac-untrusted.test", "web-untrusted"),
    A("autoconfig.ac-wrongname.test", "web-wrongname"),
    A("autoconfig.ac-refused.test", "refused"),
    # racing: autoconfig answers, lower-ranked sources hang on the blackhole
    A("autoconfig.race.test", "web"),
    A("race.test", "blackhole"),
    A("autodiscover.race.test", "blackhole"),
    # racing with a slow winner: autoconfig answers after 300 ms, the rest hang
    A("autoconfig.race-slow.test", "web"),
    A("race-slow.test", "blackhole"),
    A("autodiscover.race-slow.test", "blackhole"),
    # mx family
    MX("mx-hosted.test", "alt1.aspmx.l.google.com", 5),
    MX("mx-derived.test", "mx1.mailhost-a.test", 10),
    MX("mx-derived.test", "backup.other.test", 20),
    MX("mx-null.test", ".", 0),
    MX("mx-unknown.test", "mx.nobody-knows.test", 10),
    # srv family
    SRV("_imaps._tcp.srv-good.test", "imap.srv-good.test", 993, priority=0, weight=1),
    SRV("_imap._tcp.srv-good.test", "imap.srv-good.test", 143, priority=10, weight=1),
    SRV("_pop3._tcp.srv-good.test", "."),
    SRV("_submission._tcp.srv-good.test", "smtp.srv-good.test", 587, priority=0, weight=1),
    SRV("_imaps._tcp.srv-prio.test", "second.srv-prio.test", 993, priority=20, weight=1),
    SRV("_imaps._tcp.srv-prio.test", "first.srv-prio.test", 993, priority=10, weight=1),
    SRV("_imaps._tcp.srv-outside.test", "imap.elsewhere.test", 993),
    SRV("_imaps._tcp.srv-port0.test", "imap.srv-port0.test", 0),
    SRV("_submissions._tcp.srv-port0.test", "smtp.srv-port0.test", 465),
    SRV("_imaps._tcp.srv-none.test", "."),
    SRV("_submissions._tcp.srv-none.test", "."),
    *_many_srv("_imaps._tcp.srv-many.test", 200),
]

HTTP = [
    Route("autoconfig.ac-good.test", AC, body=config_xml("ac-good.test"),
          content_type="text/xml", scheme="https"),
    # a different answer at well-known: proves that autoconfig outranks it
    Route("ac-good.test", WK, body=config_xml("ac-good.test", imap="wk.ac-good.test"),
          content_type="text/xml", scheme="https"),
    Route("wk-good.test", WK, body=config_xml("wk-good.test"), content_type="text/xml",
          scheme="https"),
    Route("autoconfig.http-only.test", AC, body=config_xml("http-only.test"),
          content_type="text/xml", scheme="http"),
    Route("autoconfig.ac-404.test", AC, status=404, body=b"not here"),
    Route("autoconfig.ac-500.test", AC, status=500, body=b"oops"),
    Route("autoconfig.ac-html.test", AC, body=b"<!DOCTYPE html><html><body>Welcome!</body></html>",
          content_type="text/html"),
    Route("autoconfig.ac-bomb.test", AC, body=BOMB, content_type="text/xml"),
    Route("autoconfig.ac-xxe.test", AC, body=XXE, content_type="text/xml"),
    Route("autoconfig.ac-huge.test", AC, handler=_huge),
    Route("autoconfig.ac-huge2.test", AC, handler=_huge_unannounced),
    Route("autoconfig.ac-drip.test", AC, handler=_drip),
    Route("autoconfig.ac-loop.test", AC, status=302,
          headers={"Location": "https://autoconfig.ac-loop.test/loop2"}),
    Route("autoconfig.ac-loop.test", "/loop2", status=302,
          headers={"Location": "https://autoconfig.ac-loop.test" + AC}),
    Route("autoconfig.ac-tohttp.test", AC, status=301, scheme="https",
          headers={"Location": "http://autoconfig.ac-tohttp.test" + AC}),
    Route("autoconfig.ac-otherdomain.test", AC, status=302,
          headers={"Location": "https://autoconfig.ac-good.test" + AC}),
    Route("autoconfig.ac-truncated.test", AC, body=config_xml("ac-truncated.test")[:300],
          content_type="text/xml"),
    Route("autoconfig.ac-badutf8.test", AC,
          body=config_xml("ac-badutf8.test").replace(b"Lab ", b"Lab \xff\xfe "),
          content_type="text/xml"),
    Route("autoconfig.ac-wrongroot.test", AC, body=b"<?xml version='1.0'?><rss><channel/></rss>",
          content_type="text/xml"),
    Route("autoconfig.ac-untrusted.test", AC, body=config_xml("ac-untrusted.test"),
          content_type="text/xml"),
    Route("autoconfig.ac-wrongname.test", AC, body=config_xml("ac-wrongname.test"),
          content_type="text/xml"),
    Route("autoconfig.race.test", AC, body=config_xml("race.test"), content_type="text/xml",
          scheme="https"),
    Route("autoconfig.race-slow.test", AC, handler=_slow_config, scheme="https"),
    # the lab ISPDB
    Route(ISPDB, "/v1.1/ispdb-good.test", body=config_xml("ispdb-good.test"),
          content_type="text/xml"),
    Route(ISPDB, "/v1.1/ac-404.test", body=config_xml("ac-404.test"), content_type="text/xml"),
    Route(ISPDB, "/v1.1/ac-slow.test", body=config_xml("ac-slow.test"),
          content_type="text/xml"),
    Route(ISPDB, "/v1.1/mailhost-a.test",
          body=config_xml("mailhost-a.test", username="%EMAILLOCALPART%"),
          content_type="text/xml"),
]

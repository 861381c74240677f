"""Domains whose settings come from sources that cannot prove they speak for
the domain, all naming the lab's recording mail server
``provider-errors.hostile.test`` (a valid lab-CA certificate for its own
name, implicit TLS on 993/995/465, records every byte it receives): the
"password goes to a server nobody confirmed" attack of issue 9.

* ``victim.test``: only a plain-http autoconfig file (https answers 404).
* ``srv-out.test``: SRV records pointing outside the domain.
* ``victim-ok.test``: the same file over HTTPS from the provider's own name
  (trusted: the password may go there).
"""

from __future__ import annotations

from tests.lab.spec import SRV, A, Route

AC = "/mail/config-v1.1.xml"
ATTACKER = "provider-errors.hostile.test"


def _config(domain: str) -> bytes:
    servers = "".join(
        f"""<{kind} type="{proto}"><hostname>{ATTACKER}</hostname><port>{port}</port>
      <socketType>SSL</socketType><username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication></{kind}>"""
        for kind, proto, port in (("incomingServer", "imap", 993),
                                  ("incomingServer", "pop3", 995),
                                  ("outgoingServer", "smtp", 465)))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1"><emailProvider id="{domain}"><domain>{domain}</domain>
<displayName>Lab {domain}</displayName>{servers}</emailProvider></clientConfig>""".encode()


DNS = [
    A("autoconfig.victim.test", "web"),
    A("autoconfig.victim-ok.test", "web"),
    SRV("_imaps._tcp.srv-out.test", ATTACKER, 993, priority=0, weight=1),
    SRV("_submissions._tcp.srv-out.test", ATTACKER, 465, priority=0, weight=1),
]
HTTP = [
    Route("autoconfig.victim.test", AC, body=_config("victim.test"),
          content_type="text/xml", scheme="http"),
    Route("autoconfig.victim-ok.test", AC, body=_config("victim-ok.test"),
          content_type="text/xml", scheme="https"),
]

"""Lab data for the wizard tests: the ISPDB knows lab.test (the healthy
Dovecot, where alice@lab.test lives) and pop-lab.test is served by an
untrusted source only (plain-http autoconfig) to exercise the
confirmation step."""

from __future__ import annotations

from tests.lab.spec import A, Route


def _config(domain: str, pop_first: bool = False) -> bytes:
    imap = """<incomingServer type="imap"><hostname>healthy.mail.test</hostname>
      <port>993</port><socketType>SSL</socketType><username>alice@lab.test</username>
      <authentication>password-cleartext</authentication></incomingServer>"""
    pop = """<incomingServer type="pop3"><hostname>healthy.mail.test</hostname>
      <port>995</port><socketType>SSL</socketType><username>alice@lab.test</username>
      <authentication>password-cleartext</authentication></incomingServer>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1"><emailProvider id="{domain}"><domain>{domain}</domain>
  <displayName>Lab Mail</displayName>
  {pop + imap if pop_first else imap + pop}
  <outgoingServer type="smtp"><hostname>healthy.mail.test</hostname><port>465</port>
    <socketType>SSL</socketType><username>alice@lab.test</username>
    <authentication>password-cleartext</authentication></outgoingServer>
</emailProvider></clientConfig>""".encode()


DNS = [A("autoconfig.pop-lab.test", "web")]
HTTP = [
    Route("ispdb.lab.test", "/v1.1/lab.test", body=_config("lab.test"),
          content_type="text/xml"),
    Route("autoconfig.pop-lab.test", "/mail/config-v1.1.xml",
          body=_config("pop-lab.test", pop_first=True), content_type="text/xml",
          scheme="http"),
]

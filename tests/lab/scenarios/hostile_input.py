"""Lab domains whose discovery answers carry values meant to break out of
a protocol line (issue 9): an Autodiscover ``LoginName`` with CR LF and
smuggled POP3 commands."""

from __future__ import annotations

from tests.lab.scenarios.autodiscover import AD, account, protocol
from tests.lab.spec import A, Route

#: what the issue found: three POP3 commands in one user name
SMUGGLED_LOGIN = "alice@x.test&#13;&#10;DELE 1&#13;&#10;QUIT"

LOGINNAME_ANSWER = account(
    protocol("POP3", "pop.ad-loginname.test", 995, SSL="on", SPA="off",
             LoginName=SMUGGLED_LOGIN)
    + protocol("IMAP", "imap.ad-loginname.test", 993, SSL="on", SPA="off",
               LoginName="alice@x.test"))

DNS = [A("autodiscover.ad-loginname.test", "web")]

HTTP = [Route("autodiscover.ad-loginname.test", AD, methods=("POST",), content_type="text/xml",
              body=LOGINNAME_ANSWER)]

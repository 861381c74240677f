"""DNS names of the lab's mail servers (tests/lab/dovecot.py,
tests/lab/hostile_mail.py) and the domains the guessing tests probe.

* ``VARIANT.mail.test`` -> the Dovecot variant's address (``dual`` also
  AAAA ::1); ``KIND.hostile.test`` -> the hostile server's address.
* ``guess.test``: imap., pop. and smtp. point to the healthy Dovecot (its
  certificate names them); mail. and pop3. do not exist (NXDOMAIN), the
  bare domain has no address (NOERROR without records: names exist below
  it).
* ``dead-guess.test``: the bare domain and imap., mail., pop3., pop.,
  smtp. all point to the blackhole (accepts on the mail ports, never
  answers).
* ``nothing-guess.test``: no names at all (NXDOMAIN for everything).
* ``introspect.lab.test``: the OAuth2 introspection endpoint on the lab web
  server (Dovecot itself reaches it by address, see Lab._internal_routes).
"""

from __future__ import annotations

from tests.lab.dovecot import OAUTH2_PATH, introspect
from tests.lab.spec import AAAA, HOSTILE_KINDS, MAIL_VARIANTS, A, Route

GUESS = "guess.test"
DEAD_GUESS = "dead-guess.test"
NOTHING_GUESS = "nothing-guess.test"
#: the prefixes a guessing source probes
GUESS_PREFIXES = ("imap", "mail", "pop3", "pop", "smtp")

DNS = [A(f"{variant}.mail.test", f"mail-{variant}") for variant in MAIL_VARIANTS]
DNS += [AAAA("dual.mail.test", "::1")]
DNS += [A(f"{kind}.hostile.test", f"hostile-{kind}") for kind in HOSTILE_KINDS]
DNS += [A(f"{prefix}.{GUESS}", "mail-healthy") for prefix in ("imap", "pop", "smtp")]
DNS += [A(DEAD_GUESS, "blackhole")]
DNS += [A(f"{prefix}.{DEAD_GUESS}", "blackhole") for prefix in GUESS_PREFIXES]
DNS += [A("introspect.lab.test", "web")]

HTTP = [
    Route("introspect.lab.test", OAUTH2_PATH, handler=introspect, methods=("POST", "GET")),
]

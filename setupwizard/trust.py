"""Who may receive a password or an OAuth2 token: the one rule every path
follows (diagnose, the wizard's sign-in test, export --include-password).

A secret goes to a server only when

* the user named that server (``--imap``/``--pop3``/``--smtp``, or typed it
  in the wizard): ``named-by-user``;
* the server comes from a source that proves it speaks for the domain (our
  provider database, HTTPS from the provider's own name, SRV inside the
  domain, ...): ``trusted-source``;
* the user confirmed the discovered servers: at the wizard's question, with
  the domain and the server names shown in full (``confirmed-by-user``), or
  with an explicit flag (``--trust-discovered``, the wizard's ``--yes``):
  ``confirmed-by-flag``.

Anything else is ``unconfirmed``: every check runs, but no secret is sent
and nothing secret is written for it. ``check-domain`` never has a secret.
"""

from __future__ import annotations

from typing import Iterable, Literal

from .models import AccountConfig, Server

#: how the user confirmed discovered servers: at a prompt, or with a flag
Confirmation = Literal["prompt", "flag"]

#: every value of ``trust_basis`` (the ``trust`` key of diagnose's JSON servers)
TRUST_BASES = ("named-by-user", "trusted-source", "confirmed-by-user", "confirmed-by-flag",
               "unconfirmed")


def trust_basis(server: Server, confirmed: Confirmation | None = None) -> str:
    """Why ``server`` may receive a secret, or ``"unconfirmed"`` when it may
    not. ``confirmed`` says whether (and how) the user confirmed the
    discovered settings."""
    if server.source == "user":
        return "named-by-user"
    if server.trusted:
        return "trusted-source"
    if confirmed == "prompt":
        return "confirmed-by-user"
    if confirmed == "flag":
        return "confirmed-by-flag"
    return "unconfirmed"


def may_receive_secret(server: Server, confirmed: Confirmation | None = None) -> bool:
    """True when a password or token may go to ``server`` (see the module)."""
    return trust_basis(server, confirmed) != "unconfirmed"


def unconfirmed(servers: Iterable[Server], confirmed: Confirmation | None = None
                ) -> list[Server]:
    """The servers among ``servers`` that may not receive a secret."""
    return [s for s in servers if not may_receive_secret(s, confirmed)]


def discovered_servers(config: AccountConfig) -> list[Server]:
    """Every server of ``config``, incoming first; a server of an untrusted
    config is untrusted too, whatever its source said about it alone."""
    return [s if config.trusted or not s.trusted else s.with_(trusted=False)
            for s in (*config.incoming, *config.outgoing)]

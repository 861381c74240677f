"""What ``lab.mail(variant)`` and ``lab.hostile(kind)`` return.

A :class:`MailServer` says where one lab mail server listens and which
account tests should try there. Real Dovecot instances live in
``dovecot.py``, scripted hostile servers in ``hostile_mail.py``.
"""

from __future__ import annotations

#: the six standard mail ports by service name (RFC 8314, 6186, 1939)
STANDARD_PORTS: dict[str, int] = {"imaps": 993, "imap": 143, "pop3s": 995, "pop3": 110,
                                  "submissions": 465, "submission": 587}
#: services that speak TLS from the first byte (all others use STARTTLS/STLS)
IMPLICIT_TLS = frozenset({"imaps", "pop3s", "submissions"})
#: the protocol spoken on each service
PROTOCOL: dict[str, str] = {"imaps": "imap", "imap": "imap", "pop3s": "pop3", "pop3": "pop3",
                            "submissions": "smtp", "submission": "smtp"}

#: the one account that works on the real servers; tests check this password
#: never shows up anywhere it should not (logs, transcripts, hostile servers)
ALICE = "alice@lab.test"
CANARY_PASSWORD = "Canary-Pw-7f3a9c"
#: an account whose login Dovecot refuses with DISABLED_REASON (any password)
DISABLED_USER = "disabled@lab.test"
DISABLED_REASON = "Account disabled by the lab administrator."
#: the only bearer token the oauth2 variant accepts (for ALICE)
OAUTH2_VALID_TOKEN = "lab-valid-token"


class MailServer:
    """One lab mail server.

    ``variant``: the Dovecot variant or hostile kind; ``host``: its DNS name
    in the lab (``healthy.mail.test``, ``drip.hostile.test``); ``ip``: its
    IPv4 address; ``ports``: service name -> port for the services it
    offers (a subset of :data:`STANDARD_PORTS` keys); ``users``: address ->
    password that tests should use; ``log_path``: its log file.
    """

    def __init__(self, variant: str, host: str, ip: str, ports: dict[str, int],
                 users: dict[str, str], log_path: str | None) -> None:
        self.variant = variant
        self.host = host
        self.ip = ip
        self.ports = dict(ports)
        self.users = dict(users)
        self.log_path = log_path

    def address(self, service: str) -> tuple[str, int]:
        """(ip, port) of ``service`` ("imaps", "pop3", ...); KeyError if not offered."""
        return self.ip, self.ports[service]

    def log(self) -> str:
        """The server's log so far ("" when there is none)."""
        if not self.log_path:
            return ""
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __repr__(self) -> str:
        ports = " ".join(f"{k}={v}" for k, v in self.ports.items())
        return f"<{type(self).__name__} {self.variant} {self.host} {self.ip} {ports}>"

"""Reading a server certificate, also one that failed verification.

Python's ssl module gives no certificate when verification fails, so the
engine fetches it again over a connection that does not verify (and never
carries a password) and reads it here with ``cryptography``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

# OpenSSL X509_V_ERR_* codes -> our finding ids
VERIFY_CODES = {
    9: "certificate.not-yet-valid",
    10: "certificate.expired",
    18: "certificate.self-signed",
    19: "certificate.self-signed",  # self-signed certificate in chain
    20: "certificate.untrusted",    # unable to get local issuer: unknown CA or missing intermediate
    21: "certificate.untrusted",
    2: "certificate.untrusted",
    62: "certificate.hostname-mismatch",
    64: "certificate.hostname-mismatch",  # IP address mismatch
}

EXPIRY_WARNING_DAYS = 14


@dataclass(frozen=True)
class CertificateFacts:
    """What could be read from a certificate. A part that could not be read
    is "?" (texts) or None (dates), and its name is in ``unreadable``."""

    subject: str
    issuer: str
    not_before: _dt.datetime | None
    not_after: _dt.datetime | None
    names: tuple[str, ...]
    self_signed: bool
    unreadable: tuple[str, ...] = ()

    def days_left(self, now: _dt.datetime | None = None) -> int | None:
        if self.not_after is None:
            return None
        now = now or _dt.datetime.now(_dt.timezone.utc)
        return int((self.not_after - now).total_seconds() // 86400)

    def to_json(self) -> dict:
        out = {"subject": self.subject, "issuer": self.issuer,
               "not_before": _date(self.not_before), "not_after": _date(self.not_after),
               "names": list(self.names), "self_signed": self.self_signed}
        if self.unreadable:
            out["unreadable"] = ", ".join(self.unreadable)
        return out


def _date(value: _dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "?"


def read_certificate(der: bytes) -> CertificateFacts | None:
    """Facts about a DER certificate; None if it cannot be loaded at all.

    Never raises: a part that cannot be parsed (a malformed subject, say)
    is left out and named in ``unreadable``; the rest is still described."""
    try:
        from cryptography import x509
        from cryptography.x509.oid import ExtensionOID
        cert = x509.load_der_x509_certificate(der)
    except Exception:  # any parse failure: we simply have no facts
        return None
    unreadable: list[str] = []

    def part(name: str, read, default):
        try:
            return read()
        except Exception:  # cryptography parses some parts lazily, on access
            unreadable.append(name)
            return default

    subject = part("subject", lambda: cert.subject.rfc4514_string(), "?")
    issuer = part("issuer", lambda: cert.issuer.rfc4514_string(), "?")
    not_before = part("not_before", lambda: cert.not_valid_before_utc, None)
    not_after = part("not_after", lambda: cert.not_valid_after_utc, None)
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
        names = tuple(san.value.get_values_for_type(x509.DNSName)) + tuple(
            str(ip) for ip in san.value.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        names = ()
    except Exception:
        unreadable.append("names")
        names = ()
    self_signed = "subject" not in unreadable and "issuer" not in unreadable and \
        part("issuer", lambda: cert.issuer == cert.subject, False)
    return CertificateFacts(subject=subject, issuer=issuer, not_before=not_before,
                            not_after=not_after, names=names, self_signed=self_signed,
                            unreadable=tuple(dict.fromkeys(unreadable)))


def hostname_matches(host: str, names: tuple[str, ...]) -> bool:
    """RFC 6125/7817 matching: exact, or a wildcard as the whole left-most label."""
    host = host.lower().rstrip(".")
    for name in names:
        name = name.lower().rstrip(".")
        if name == host:
            return True
        if name.startswith("*.") and "." in host:
            if host.split(".", 1)[1] == name[2:]:
                return True
    return False

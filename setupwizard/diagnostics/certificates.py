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
    subject: str
    issuer: str
    not_before: _dt.datetime
    not_after: _dt.datetime
    names: tuple[str, ...]
    self_signed: bool

    def days_left(self, now: _dt.datetime | None = None) -> int:
        now = now or _dt.datetime.now(_dt.timezone.utc)
        return int((self.not_after - now).total_seconds() // 86400)

    def to_json(self) -> dict:
        return {"subject": self.subject, "issuer": self.issuer,
                "not_before": self.not_before.strftime("%Y-%m-%d %H:%M UTC"),
                "not_after": self.not_after.strftime("%Y-%m-%d %H:%M UTC"),
                "names": list(self.names), "self_signed": self.self_signed}


def read_certificate(der: bytes) -> CertificateFacts | None:
    """Facts about a DER certificate; None if it cannot be read."""
    try:
        from cryptography import x509
        from cryptography.x509.oid import ExtensionOID
        cert = x509.load_der_x509_certificate(der)
    except Exception:  # any parse failure: we simply have no facts
        return None
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
        names = tuple(san.value.get_values_for_type(x509.DNSName)) + tuple(
            str(ip) for ip in san.value.get_values_for_type(x509.IPAddress))
    except Exception:
        names = ()
    return CertificateFacts(
        subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
        names=names, self_signed=cert.issuer == cert.subject)


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

"""Turning a refused login into the finding that explains it.

Order matters: provider texts first (they are the most specific), then the
standard response codes (RFC 5530 for IMAP, RFC 2449/3206 for POP3, RFC 4954
enhanced status codes for SMTP), then the plain reply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .protocols import Reply

if TYPE_CHECKING:
    from .engine import Check

# (substring, finding id), matched case-insensitively against the reply text
PROVIDER_TEXTS = (
    ("application-specific password", "login.app-password"),
    ("app password", "login.app-password"),
    ("app-specific password", "login.app-password"),
    ("too many bad auth attempts", "login.too-many-attempts"),
    ("too many login attempts", "login.too-many-attempts"),
    ("basic authentication is disabled", "login.oauth2-required"),
    ("basic authentication is not supported", "login.oauth2-required"),
    ("smtpclientauthentication is disabled", "login.oauth2-required"),
    ("5.7.139", "login.oauth2-required"),
    ("5.7.30", "login.oauth2-required"),
    ("please log in via your web browser", "login.not-allowed"),
    ("web login required", "login.not-allowed"),
    ("imap access is disabled", "login.not-allowed"),
    ("pop access is disabled", "login.not-allowed"),
    ("plaintext authentication disallowed", "login.encryption-required"),
    ("temporary authentication failure", "login.temporary"),
    ("account is disabled", "login.account-disabled"),
    ("account disabled", "login.account-disabled"),
    ("account is locked", "login.account-disabled"),
)

IMAP_CODES = {
    "AUTHENTICATIONFAILED": "login.wrong-password",
    "AUTHORIZATIONFAILED": "login.not-allowed",
    "EXPIRED": "login.password-expired",
    "PRIVACYREQUIRED": "login.encryption-required",
    "CONTACTADMIN": "login.contact-provider",
    "UNAVAILABLE": "login.temporary",
    "INUSE": "login.in-use",
    "LIMIT": "login.too-many-attempts",
    "OVERQUOTA": "login.contact-provider",
}

POP3_CODES = {
    "AUTH": "login.wrong-password",
    "SYS/TEMP": "login.temporary",
    "SYS/PERM": "login.contact-provider",
    "IN-USE": "login.in-use",
    "LOGIN-DELAY": "login.too-soon",
}

# SMTP: enhanced status code first, then the basic reply code (RFC 4954 §6)
SMTP_ENHANCED = {
    "5.7.8": "login.wrong-password",
    "5.7.9": "login.failed",  # mechanism too weak; Gmail adds its app-password text
    "5.7.11": "login.encryption-required",
    "4.7.12": "login.password-expired",
    "4.7.0": "login.temporary",
}
SMTP_CODES = {
    "535": "login.wrong-password",
    "534": "login.failed",
    "538": "login.encryption-required",
    "530": "login.encryption-required",
    "454": "login.temporary",
    "432": "login.password-expired",
}

# Microsoft answers "LOGIN failed." both for a wrong password and for
# switched-off password sign-in: only the provider data can tell them apart.
AMBIGUOUS_TEXTS = ("login failed", "authenticate failed")


def classify_login(protocol: str, reply: Reply, *, oauth2_expected: bool = False) -> str:
    """The finding id that explains a refused login ``reply``."""
    text = f"{reply.code or ''} {reply.text}".lower()
    for needle, finding in PROVIDER_TEXTS:
        if needle in text:
            return finding
    if oauth2_expected and (any(t in text for t in AMBIGUOUS_TEXTS)
                            or reply.code in ("AUTHENTICATIONFAILED", "5.7.8", "AUTH")
                            or reply.status in ("535", "NO")):
        return "login.oauth2-required"
    code = (reply.code or "").upper()
    if protocol == "imap" and code in IMAP_CODES:
        return IMAP_CODES[code]
    if protocol == "pop3" and code in POP3_CODES:
        return POP3_CODES[code]
    if protocol == "smtp":
        if code in SMTP_ENHANCED:
            return SMTP_ENHANCED[code]
        if reply.status in SMTP_CODES:
            return SMTP_CODES[reply.status]
    if "authentication failed" in text or "invalid credentials" in text or \
            any(t in text for t in AMBIGUOUS_TEXTS):
        return "login.wrong-password"
    return "login.failed"


#: findings a vague refusal ("AUTHENTICATE failed.") may have been given
_VAGUE_FINDINGS = ("login.wrong-password", "login.failed")


def _vague(check: "Check") -> bool:
    """A refusal that names no cause: no response code, only a text such as
    Microsoft's "AUTHENTICATE failed." or "Logon failure: unknown user name
    or bad password." (the same words for a wrong password and for
    password sign-in switched off)."""
    response = str(check.details.get("response", ""))
    if "[" in response:  # a machine-readable code: [AUTHENTICATIONFAILED], [AUTH]
        return False
    text = str(check.details.get("text", "")).lower()
    return not text or any(t in text for t in AMBIGUOUS_TEXTS) or \
        "logon failure" in text or "bad password" in text


def reconcile_logins(checks: "list[Check]") -> "list[Check]":
    """``checks`` with one explanation for one account: when a server says
    plainly that password sign-in is switched off, a vague refusal from
    another server of the same run means the same (one password, one
    account), not a wrong password beside it."""
    import dataclasses
    if not any(c.id == "login.oauth2-required" and c.status == "fail" for c in checks):
        return checks
    return [dataclasses.replace(c, id="login.oauth2-required")
            if c.id in _VAGUE_FINDINGS and c.status == "fail" and _vague(c) else c
            for c in checks]

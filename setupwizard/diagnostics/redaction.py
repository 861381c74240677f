"""Every form a secret can take on the wire, and the one place that removes
them from text before it leaves the tool.

A server may echo what it received: the raw password, base64 of it (the
SMTP AUTH LOGIN answer), a SASL PLAIN/XOAUTH2/OAUTHBEARER payload, the
token, or a URL-encoded copy. ``secret_forms`` lists them all; a
``Redactor`` replaces them with ``***`` in transcripts and in every
check's details (so the text, JSON and Markdown reports are all clean).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

REDACTED = "***"
#: a secret of one to three characters would turn every such letter into ***;
#: the protocol code never writes secrets anyway
MIN_SECRET = 4
#: the tail of a text that starts a secret form is cut off too (a server
#: answer cut at a length limit may end inside an echoed payload)
MIN_PARTIAL = MIN_SECRET


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def secret_forms(username: str | None, password: str | None = None,
                 token: str | None = None) -> tuple[str, ...]:
    """Every text that reveals ``password`` or ``token``, longest first.

    Raw secrets, base64 of the password (AUTH LOGIN), the SASL PLAIN
    payload (``\\0user\\0pass`` and ``user\\0user\\0pass``), the XOAUTH2 and
    OAUTHBEARER payloads, each base64 form also without its ``=`` padding,
    and URL-encoded forms. Forms shorter than MIN_SECRET are left out."""
    user = username or ""
    raw: list[str] = []
    encoded: list[str] = []
    if password:
        raw.append(password)
        encoded += [_b64(password), _b64(f"\0{user}\0{password}"),
                    _b64(f"{user}\0{user}\0{password}")]
    if token:
        raw.append(token)
        encoded += [_b64(token),
                    _b64(f"user={user}\x01auth=Bearer {token}\x01\x01"),
                    _b64(f"n,a={user},\x01auth=Bearer {token}\x01\x01")]
    forms: list[str] = list(raw)
    for secret in raw:
        forms += [quote(secret, safe=""), quote_plus(secret)]
    for form in encoded:
        forms += [form, form.rstrip("=")]
    unique = {f for f in forms if len(f) >= MIN_SECRET}
    return tuple(sorted(unique, key=len, reverse=True))


@dataclass(frozen=True)
class Redactor:
    """Replaces every secret form in texts (and nested details) by ``***``."""

    forms: tuple[str, ...] = ()

    @classmethod
    def for_credentials(cls, *credentials) -> "Redactor":
        """A Redactor for any number of ``Credentials`` (or None)."""
        forms: list[str] = []
        for creds in credentials:
            if creds is not None:
                forms += secret_forms(creds.username, creds.password, creds.token)
        unique = dict.fromkeys(forms)
        return cls(tuple(sorted(unique, key=len, reverse=True)))

    def __bool__(self) -> bool:
        return bool(self.forms)

    def text(self, text: str) -> str:
        """``text`` without any secret form (also not one cut off at its end)."""
        if not self.forms or not text:
            return text
        for form in self.forms:
            if form in text:
                text = text.replace(form, REDACTED)
        for form in self.forms:
            # a payload cut off by a length limit still reveals its start
            for size in range(min(len(form) - 1, len(text)), MIN_PARTIAL - 1, -1):
                if text.endswith(form[:size]):
                    text = text[:-size] + REDACTED
                    break
        return text

    def check(self, check):
        """A copy of a diagnostics Check whose details hold no secret form."""
        if not self.forms:
            return check
        import dataclasses
        return dataclasses.replace(check, details=self.value(check.details))

    def value(self, value):
        """``value`` (text, Message, list, tuple or dict) with secrets removed."""
        if not self.forms:
            return value
        from ..i18n import Message
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Message):
            # the template is our own source text (and the catalogue key)
            return Message(value.template,
                           tuple((k, self.value(v)) for k, v in value.params))
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.value(v) for v in value)
        return value

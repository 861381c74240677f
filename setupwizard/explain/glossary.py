"""One word per idea, per language: the terms our texts use and the
variants they must not use.

A reader who meets "two-step verification" on one screen and "two-factor
authentication" on the next wonders whether these are two things. So each
idea has one preferred term in English and one in German, and a list of
variants that say the same thing differently. ``tests/explain/test_glossary.py``
checks every catalogue text (the English source and its German translation)
and every provider hint against the variants.

Variants are regular expressions, matched without regard to case and only
at the start of a word; they may match the start of a longer word on
purpose (German compounds such as "Webmailer-Einstellungen").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One idea: its preferred words and the variants that are not allowed."""

    concept: str
    en: str
    de: str
    not_en: tuple[str, ...] = ()
    not_de: tuple[str, ...] = ()


TERMS: tuple[Term, ...] = (
    Term("a second proof of identity besides the password",
         en="two-step verification", de="Bestätigung in zwei Schritten",
         not_en=(r"two-step sign-in", r"two-factor", r"2-step", r"2fa\b",
                 r"multi-factor"),
         not_de=(r"Zwei-Faktor", r"2FA\b", r"zweistufige", r"Zwei-Schritt-")),
    Term("the provider's website where mail can be read in the browser",
         en="webmail", de="Internetseite Ihres Anbieters",
         not_en=(r"web mail", r"web-mail", r"webmailer"),
         not_de=(r"Webmail", r"Web-Mail", r"Web Mail")),
    Term("the name the account signs in with",
         en="username", de="Benutzername",
         not_en=(r"user name", r"user-name", r"login name", r"sign-in name"),
         not_de=(r"Nutzername", r"Anmeldename", r"Username", r"User-Name",
                 r"Login-Name")),
    Term("a program that fetches and sends mail",
         en="mail program", de="E-Mail-Programm",
         not_en=(r"e-mail program", r"email program", r"e-?mail client",
                 r"mail client"),
         not_de=(r"Mailprogramm", r"E-Mail-Client", r"Mail-Client", r"Mailclient")),
    Term("a password made only for one mail program",
         en="app password", de="App-Passwort",
         not_en=(r"app-specific password", r"application password"),
         not_de=(r"Anwendungspasswort", r"App Passwort", r"anwendungsspezifisch")),
    Term("proving who you are to the server",
         en="sign in", de="anmelden",
         not_en=(r"log in\b", r"logged in\b", r"log on\b", r"login\b"),
         not_de=(r"einlogg", r"eingeloggt", r"Login\b")),
    Term("the company that runs the mailbox",
         en="provider", de="Anbieter",
         not_de=(r"Provider\b", r"Mailanbieter")),
    Term("the phone",
         en="phone", de="Handy",
         not_de=(r"Smartphone", r"Mobiltelefon")),
)


@dataclass(frozen=True)
class Jargon:
    """A word the reader may not know. Where an explain topic first uses it,
    the same sentence must explain it: ``hint_en``/``hint_de`` are patterns
    for the explaining words (a server is a "computer", a port a "door")."""

    en: str
    de: str
    hint_en: str
    hint_de: str


JARGON: tuple[Jargon, ...] = (
    Jargon(r"server", r"Server", r"computer", r"Computer"),
    Jargon(r"port", r"Port", r"door", r"Tür"),
    Jargon(r"SSL/TLS", r"SSL/TLS", r"encrypt", r"verschlüssel"),
    Jargon(r"STARTTLS", r"STARTTLS", r"encrypt", r"verschlüssel"),
    Jargon(r"TLS\b", r"TLS\b", r"encrypt", r"verschlüssel"),
    Jargon(r"IMAP", r"IMAP", r"fetch", r"abruf|abzuruf|abhol|holt"),
    Jargon(r"POP3", r"POP3", r"fetch", r"abruf|abzuruf|abhol|holt"),
    Jargon(r"SMTP", r"SMTP", r"send", r"send"),
    Jargon(r"certificate", r"Zertifikat", r"ID card|proves", r"Ausweis|beweist"),
    Jargon(r"webmail", r"Internetseite", r"website", r"Internetseite"),
    Jargon(r"app password", r"App-Passw", r"password that only|only your mail program",
           r"Passwort, das nur"),
    Jargon(r"two-step verification", r"Bestätigung in zwei Schritten",
           r"second proof|means", r"zweiten Nachweis|bedeutet"),
    Jargon(r"OAuth2", r"OAuth2", r"sign-in page|sign in", r"Anmeldeseite|anmelden"),
)

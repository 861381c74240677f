"""The plain-language explanations, one topic each.

Written for someone who has just learned that IMAP and POP3 are two ways of
fetching mail: short sentences, everyday pictures, each technical word
explained the first time it appears. Support staff paste them into replies
(``setupwizard explain TOPIC``); the wizard shows parts of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    paragraphs: tuple[str, ...]


TOPICS: dict[str, Topic] = {t.id: t for t in (
    Topic("imap-vs-pop3", N_("IMAP or POP3: two ways to fetch your mail"), (
        N_("Your mail first arrives at your provider and waits there on a server - a "
           "large computer that is always on. Your mail program fetches it from there. "
           "It can do that in two ways: IMAP or POP3."),
        N_("IMAP keeps everything on the server. Your computer, your phone and the "
           "webmail (the provider's website) all show the same folders. Read a message "
           "on the phone, and it is marked as read on the computer too. Delete it in one "
           "place, and it is gone everywhere."),
        N_("POP3 takes the mail off the server and puts it on one device. Other devices "
           "and the webmail then no longer see it. Many programs can leave a copy on the "
           "server, but read marks and folders are still not shared."),
        N_("Our advice: use IMAP, unless you read mail on only one computer and the space "
           "at your provider is very small. With POP3, your mail exists only on that "
           "computer, so make backups."),
    )),
    Topic("encryption", N_("Encryption: SSL/TLS and STARTTLS"), (
        N_("Encryption scrambles everything between your device and the server, so nobody "
           "on the way - in a café's Wi-Fi, for example - can read your password or your "
           "mail."),
        N_("SSL/TLS (also called implicit TLS) encrypts from the very first moment. It "
           "uses the ports 993 (IMAP), 995 (POP3) and 465 (sending). This is the best "
           "choice."),
        N_("STARTTLS starts unencrypted and then switches encryption on. It uses the "
           "ports 143 (IMAP), 110 (POP3) and 587 (sending). It is safe when the program "
           "insists on the switch, but an attacker can sometimes interfere, so SSL/TLS is "
           "better where the provider offers both."),
        N_("\"None\" means no encryption at all. Never send your password that way."),
        N_("The certificate is the server's ID card. It proves you are talking to the "
           "real server. If a program warns about a certificate, do not click the warning "
           "away: something is wrong, and your password could end up with the wrong "
           "people."),
    )),
    Topic("app-passwords", N_("App passwords"), (
        N_("Some providers (Gmail, Yahoo, AOL, iCloud and others when two-step sign-in "
           "is on) do not let mail programs use your normal password. Instead you create "
           "an app password: a long password just for this one program."),
        N_("You create it in your account's security settings on the provider's website. "
           "Usually two-step verification must be switched on first. Copy the app "
           "password into the mail program instead of your normal password."),
        N_("An app password only works for mail, and you can delete it at any time "
           "without changing your normal password. Use a separate one for each device."),
    )),
    Topic("oauth2", N_("OAuth2: signing in through the provider's page"), (
        N_("With OAuth2 you do not type your password into the mail program. Instead the "
           "program opens your provider's sign-in page; you sign in there, and the "
           "provider gives the program a key that works only for mail."),
        N_("Microsoft (Outlook.com, Hotmail, Microsoft 365) and Google accept only this "
           "for most accounts. Thunderbird, Outlook and Apple Mail support it: choose "
           "OAuth2 as the sign-in method, or just enter your address and follow the "
           "sign-in window."),
        N_("If a program says \"wrong password\" for such an account although the "
           "password is right, the program is trying the old way. Switch it to OAuth2."),
    )),
    Topic("ports", N_("Ports: the door numbers of a server"), (
        N_("A server offers several services, like a house with several doors. The port "
           "is the door number. The mail program must knock at the right door."),
        N_("Fetching mail: IMAP uses 993 (SSL/TLS) or 143 (STARTTLS); POP3 uses 995 "
           "(SSL/TLS) or 110 (STARTTLS)."),
        N_("Sending mail (SMTP): 465 (SSL/TLS) or 587 (STARTTLS). Port 25 is for servers "
           "talking to each other; many internet providers block it for home users."),
        N_("Port and encryption belong together: 993, 995 and 465 need SSL/TLS; 143, 110 "
           "and 587 need STARTTLS. A wrong pair is one of the most common setup "
           "mistakes."),
    )),
)}

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
        N_("Your mail first arrives at your provider. It waits there on a server: a "
           "large computer that is always on. Your mail program fetches it from "
           "there, in one of two ways: IMAP or POP3."),
        N_("IMAP keeps everything on the server. Your computer, your phone and the "
           "webmail (your provider's website for reading mail) all show the same "
           "folders. IMAP is today's standard, and our advice for most people. But "
           "IMAP is not a backup: delete a message in one place, and it is gone "
           "everywhere."),
        N_("POP3 takes the mail off the server and puts it on one device. Other "
           "devices and the webmail then no longer see it. Many programs can leave a "
           "copy on the server. But which mail you have read, and in which folder it "
           "is, stays on the one device."),
        N_("Without internet, IMAP shows only the mail your program has already "
           "loaded. With POP3, every fetched message is on your device and can be "
           "read at any time. New mail arrives in both cases only when you are "
           "online again."),
        N_("Choose POP3 only if you read mail on a single computer and your provider "
           "gives you very little space. With POP3, your mail exists only on that "
           "computer, so make backups."),
    )),
    Topic("encryption", N_("Encryption: SSL/TLS and STARTTLS"), (
        N_("Your mail program talks to your provider's server: a large computer that "
           "keeps your mail. Encryption scrambles everything on the way between your "
           "device and the server. Then nobody on the way can read your password or "
           "your mail, not even in a café's Wi-Fi."),
        N_("Your mail program reaches the server through a port: a numbered door of "
           "the server. There are two kinds of encryption, and each uses its own "
           "ports."),
        N_("SSL/TLS encrypts from the very first moment. TLS is the name of this "
           "encryption; SSL is its older name. It uses the ports 993 (fetching mail "
           "with IMAP), 995 (fetching mail with POP3) and 465 (sending). This is the "
           "best choice."),
        N_("STARTTLS starts without encryption and then switches it on. It uses the "
           "ports 143 (IMAP), 110 (POP3) and 587 (sending). It is safe when the "
           "program insists on the switch. But an attacker can sometimes interfere. "
           "So SSL/TLS is better where the provider offers both."),
        N_('"None" means no encryption at all. Never send your password that way.'),
        N_("The certificate is the server's ID card. It proves that you are talking "
           "to the real server. Does a program warn you about a certificate? Then do "
           "not click the warning away. Something is wrong, and your password could "
           "end up with the wrong people."),
    )),
    Topic("app-passwords", N_("App passwords"), (
        N_("An app password is a long password that only your mail program uses. "
           "Some providers want one instead of your normal password. Gmail, Yahoo, "
           "AOL and iCloud do, for example."),
        N_("Most providers offer app passwords only when two-step verification is "
           "on. Two-step verification means: to sign in on the website, you need "
           "your password and a second proof. That is usually a code on your phone."),
        N_("Both are in your account's security settings on the provider's website. "
           "Switch on two-step verification there first, then create the app "
           "password. Copy it into the mail program where your normal password would "
           "go."),
        N_("An app password only works for mail. You can delete it at any time "
           "without changing your normal password. Use a separate one for each "
           "device."),
    )),
    Topic("oauth2", N_("OAuth2: signing in through the provider's page"), (
        N_("With OAuth2 you do not type your password into the mail program. Instead "
           "the program opens your provider's sign-in page. You sign in there. Then "
           "the provider gives the program a key that works only for mail."),
        N_("Microsoft (Outlook.com, Hotmail, Microsoft 365) accepts only this way "
           "for most accounts. Google accepts it too. At Google, an app password "
           "also works: a password that only your mail program uses. In Thunderbird, "
           "choose OAuth2 as the authentication method. In Apple Mail and Outlook, "
           "pick your provider from the list when you add the account. The sign-in "
           "window then opens by itself."),
        N_('Does a program say "wrong password" although the password is right? Then '
           "it is trying the old way. Switch it to OAuth2, or add the account again "
           "and pick your provider from the list."),
    )),
    Topic("ports", N_("Ports: the door numbers of a server"), (
        N_("A server is a large computer at your provider that keeps your mail. It "
           "offers several services, like a house with several doors. The port is "
           "the door number. The mail program must knock at the right door."),
        N_("SSL/TLS and STARTTLS are two kinds of encryption: they keep your "
           "password and mail secret on the way. Fetching mail: IMAP uses 993 "
           "(SSL/TLS) or 143 (STARTTLS). POP3 is the other way of fetching mail; it "
           "uses 995 (SSL/TLS) or 110 (STARTTLS)."),
        N_("Sending mail (SMTP): 465 (SSL/TLS) or 587 (STARTTLS). Port 25 is for "
           "servers talking to each other. Many internet providers block it for home "
           "users."),
        N_("Port and encryption belong together: 993, 995 and 465 need SSL/TLS; 143, "
           "110 and 587 need STARTTLS. A wrong pair is one of the most common setup "
           "mistakes."),
    )),
)}

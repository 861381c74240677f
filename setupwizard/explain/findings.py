"""What every diagnostics finding means, in plain words, and how to fix it.

Each finding has a stable id (used in JSON output and by
``setupwizard explain``), a category, a title, an explanation and a fix.
Texts are English source texts with {fields}; they are translated through
the gettext catalogue like every other text. The fields a finding uses are
filled from the check's details.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_


@dataclass(frozen=True)
class Finding:
    id: str
    category: str
    title: str
    explanation: str
    fix: str | None = None


def _f(id, category, title, explanation, fix=None) -> Finding:
    return Finding(id, category, title, explanation, fix)


_ALL = [
    # -- DNS ---------------------------------------------------------------
    _f("dns.ok", "dns", N_("The server name was found"),
       N_("The DNS, the Internet's address book, knows {host}: {addresses}.")),
    _f("dns.nxdomain", "dns", N_("The server name does not exist"),
       N_("The DNS, the Internet's address book, has no entry for {host}. Most often the "
          "name is misspelled."),
       N_("Check the server name letter by letter. Copy it from your provider's help "
          "page.")),
    _f("dns.no-address", "dns", N_("The server name has no address"),
       N_("The name {host} exists, but no computer address belongs to it."),
       N_("Check the server name. If it is right, your provider has a problem: tell "
          "them.")),
    _f("dns.failure", "dns", N_("The server could not be found"),
       N_("The name service (DNS) turns server names into addresses, like an address "
          "book. For {host} it could not help: {why}. This is not a problem of your "
          "e-mail account."),
       N_("Check your internet connection and try again in a few minutes. If it keeps "
          "happening, restart your router or ask your network administrator.")),
    _f("dns.network-down", "dns", N_("No server could be found: the name service "
                                     "(DNS) does not work"),
       N_("Not one server could be found: {why}. The name service (DNS) turns server "
          "names into addresses. Your internet connection or the name service is "
          "down. The server names are probably right."),
       N_("Check that this computer is online (open any website). Then try again, or "
          "restart your router. On a hotel or public network, sign in to it in the "
          "browser first.")),
    # -- connect -----------------------------------------------------------
    _f("connect.ok", "connect", N_("The connection works"),
       N_("The server {address} answered on port {port} after {ms} ms.")),
    _f("connect.refused", "connect", N_("The server refused the connection"),
       N_("Nothing answers on port {port} at {address}. Either the port number is "
          "wrong or this service is switched off on the server."),
       N_("Check the port number. Usual ports: IMAP 993, POP3 995, SMTP 465 or 587.")),
    _f("connect.timeout", "connect", N_("The server does not answer"),
       N_("The connection to {address} on port {port} timed out. A firewall may block "
          "this port, or the server is down."),
       N_("Try another network, for example mobile data. If it works there, the network "
          "you use blocks mail ports: ask its administrator.")),
    _f("connect.unreachable", "connect", N_("The server cannot be reached"),
       N_("Your computer has no route to {address}. This often means IPv6 (the newer "
          "kind of Internet address) does not work on your network."),
       N_("Usually harmless if another address of the server works. Otherwise check "
          "your internet connection.")),
    _f("connect.failed", "connect", N_("The connection failed"),
       N_("Connecting to {address} on port {port} failed: {reason}."),
       N_("Try again later. If it keeps failing, check the server name and port.")),
    _f("connect.ipv6-broken", "connect", N_("IPv6 does not work, IPv4 does"),
       N_("The server can be reached over the older IPv4 addresses but not over IPv6. "
          "Mail programs fall back to IPv4, but it can make them slow."),
       N_("Nothing to do for your account. Tell your provider or network administrator "
          "that IPv6 to {host} fails.")),
    # -- greeting ----------------------------------------------------------
    _f("greeting.ok", "greeting", N_("The server said hello"),
       N_("The server introduced itself as a {protocol} server.")),
    _f("greeting.refused", "greeting", N_("The server refuses to serve"),
       N_("The server answered, but said it will not serve this connection: {text}"),
       N_("Wait a while and try again. If it persists, ask your provider; your address "
          "may be blocked.")),
    _f("greeting.garbage", "greeting", N_("The server's answer makes no sense"),
       N_("The server on port {port} did not answer the way a {protocol} server does. "
          "Probably the port belongs to another service."),
       N_("Check the port number and the encryption setting: 993/995/465 need SSL/TLS, "
          "143/110/587 need STARTTLS.")),
    _f("greeting.timeout", "greeting", N_("The server stays silent"),
       N_("The connection was made, but the server sent nothing in time."),
       N_("Check whether the port needs SSL/TLS (993, 995, 465) or STARTTLS (143, 110, "
          "587). If the setting is right, the server is overloaded: try later.")),
    _f("greeting.too-long", "greeting", N_("The server sends endless data"),
       N_("The server sent a line that never ended. This is not a working mail server."),
       N_("Check the server name and port. Tell your provider.")),
    _f("greeting.preauth", "greeting", N_("The server signed you in without a "
                                          "password"),
       N_("The server said you are already signed in (PREAUTH) before any encryption "
          "started. An attacker on the way can do this to read your mail."),
       N_("Use port 993 with SSL/TLS instead. Tell your provider.")),
    # -- TLS / STARTTLS ----------------------------------------------------
    _f("tls.ok", "tls", N_("The connection is encrypted"),
       N_("Everything you send, including your password, is encrypted ({version}, "
          "{cipher}).")),
    _f("tls.old-version", "tls", N_("The encryption is outdated"),
       N_("The server uses {version}. This old kind of encryption is no longer "
          "considered safe for e-mail."),
       N_("Tell your provider. Modern mail programs may refuse this server soon.")),
    _f("tls.failed", "tls", N_("Encryption could not be started"),
       N_("The encrypted connection could not be set up: {reason}."),
       N_("Check the port and encryption setting. If they match your provider's "
          "instructions, the server has a problem: tell your provider.")),
    _f("tls.plain", "tls", N_("The connection is not encrypted"),
       N_("This setting uses no encryption. Anyone on the way can read your password "
          "and your mail."),
       N_("Use SSL/TLS (ports 993, 995, 465) or STARTTLS (143, 110, 587) if your "
          "provider offers it.")),
    _f("starttls.ok", "starttls", N_("The switch to encryption works"),
       N_("The server offered STARTTLS and the connection was switched to encryption.")),
    _f("starttls.not-offered", "starttls", N_("The server offers no encryption here"),
       N_("The server does not offer STARTTLS on this port, so the connection would stay "
          "unencrypted."),
       N_("Use SSL/TLS on port 993 (IMAP), 995 (POP3) or 465 (SMTP) if the provider "
          "offers it. Never send your password unencrypted.")),
    _f("starttls.refused", "starttls", N_("The server refused to encrypt"),
       N_("The server advertised STARTTLS but refused it: {text}"),
       N_("Try SSL/TLS on port 993, 995 or 465 instead, and tell your provider.")),
    _f("starttls.injection", "starttls", N_("Possible attack: data slipped in before "
                                            "encryption"),
       N_("The server (or someone between you and it) sent extra data right after "
          "agreeing to encrypt and before encryption began. This is a known attack "
          "(STARTTLS injection). The connection was dropped."),
       N_("Do not use this connection. Use SSL/TLS (993, 995, 465) and try another "
          "network. Tell your provider.")),
    # -- certificates --------------------------------------------------------
    _f("certificate.ok", "certificate", N_("The server's certificate is valid"),
       N_("The certificate proves this really is {host}. It is valid until "
          "{valid_until}.")),
    _f("certificate.expiring", "certificate", N_("The certificate expires soon"),
       N_("The server's certificate runs out soon, on {valid_until}. After that, "
          "mail programs will refuse to connect."),
       N_("Nothing to do for you now. Tell your provider so they renew it in time.")),
    _f("certificate.expired", "certificate", N_("The certificate has expired"),
       N_("The server's certificate ran out on {valid_until}. So setupwizard cannot "
          "be sure that it is talking to the real server. That is why it did not "
          "send your password."),
       N_("Tell your provider: the certificate must be renewed. Do not accept the "
          "certificate anyway.")),
    _f("certificate.not-yet-valid", "certificate", N_("The certificate is not valid yet"),
       N_("The certificate only becomes valid on {valid_from}. Sometimes the clock "
          "of your computer is wrong."),
       N_("Check your computer's date and time. If they are right, tell your provider.")),
    _f("certificate.self-signed", "certificate", N_("The certificate is self-made"),
       N_("The server shows a certificate it issued to itself. Nobody vouches that "
          "this is the real server. That is why setupwizard did not send your "
          "password."),
       N_("Ask your provider for the right server name, which usually has a proper "
          "certificate. Only a company administrator can tell you whether to trust "
          "this one (with --ca-file).")),
    _f("certificate.untrusted", "certificate", N_("The certificate is not trusted"),
       N_("The certificate was issued by {issuer}. Either your computer does not "
          "trust this issuer, or the server does not send the full chain of "
          "certificates."),
       N_("Tell your provider: the certificate chain is incomplete or from an unknown "
          "issuer. A company's own issuer can be added with --ca-file.")),
    _f("certificate.hostname-mismatch", "certificate",
       N_("The certificate is for another name"),
       N_("The certificate is made out to {names}, not to {host}. This often means the "
          "server name you use is an alias."),
       N_("Use the server name the certificate names, or the one your provider "
          "documents.")),
    _f("certificate.invalid", "certificate", N_("The certificate was rejected"),
       N_("The certificate check failed: {reason}."),
       N_("Tell your provider. Do not accept the certificate anyway.")),
    _f("certificate.unreadable", "certificate",
       N_("The certificate cannot be read completely"),
       N_("The certificate of {host} passed the security check. But part of it is "
          "written in a broken format that this test cannot read. The details show "
          "what could be read."),
       N_("Nothing to do for you right now. Tell your provider: some mail programs may "
          "refuse such a certificate.")),
    # -- capabilities and auth ---------------------------------------------
    _f("capabilities.ok", "capabilities", N_("The server lists what it can do"),
       N_("Capabilities: {capabilities}.")),
    _f("auth.mechanisms", "auth", N_("Sign-in methods"),
       N_("The server accepts these sign-in methods: {mechanisms}.")),
    _f("auth.none", "auth", N_("The server offers no way to sign in"),
       N_("The server lists no sign-in method we can use on this connection."),
       N_("Check the port: for sending mail, use port 465 or 587, not 25.")),
    _f("auth.logindisabled", "auth", N_("Sign-in is switched off here"),
       N_("The server does not accept passwords on this connection (LOGINDISABLED), "
          "usually because it is not encrypted."),
       N_("Use SSL/TLS or STARTTLS.")),
    _f("auth.oauth2-only", "auth", N_("This account needs OAuth2 sign-in"),
       N_("The server only offers OAuth2. With it, you sign in on your provider's "
          "own sign-in page, not by typing your password into the mail program."),
       N_("Use a mail program that supports OAuth2, such as Thunderbird, Outlook or "
          "Apple Mail. In Thunderbird, choose OAuth2 as the authentication method. "
          "In Apple Mail and Outlook, pick your provider from the list when you add "
          "the account.")),
    # -- login -------------------------------------------------------------
    _f("login.ok", "login", N_("Sign-in works"),
       N_("The server accepted the username {username} and the password.")),
    _f("login.wrong-password", "login", N_("Username or password is wrong"),
       N_("The server did not accept the username {username} with this password."),
       N_("Check the password (caps lock?). Many providers want the full e-mail address "
          "as the username. If you use two-step verification, you need an app "
          "password.")),
    _f("login.app-password", "login", N_("An app password is needed"),
       N_("Your provider does not let mail programs use your normal password. You need "
          "a separate app password."),
       N_("Switch on two-step verification in your account's security settings. Then "
          "create an app password there and use it instead of your normal password.")),
    _f("login.oauth2-required", "login", N_("Password sign-in is switched off"),
       N_("Your provider has switched off sign-in with a password for mail programs. "
          "This is not a wrong password: the account needs OAuth2, a sign-in through "
          "the provider's web page."),
       N_("Use a mail program that supports OAuth2, such as Thunderbird, Outlook or "
          "Apple Mail. Or ask your administrator to allow sign-in with a password.")),
    _f("login.account-disabled", "login", N_("The account is blocked or disabled"),
       N_("The server knows the account but does not allow it to sign in: {text}"),
       N_("Sign in to your provider's webmail to see why, or contact your provider.")),
    _f("login.password-expired", "login", N_("The password has expired"),
       N_("The server says your password is too old."),
       N_("Set a new password in your provider's webmail, then use it here.")),
    _f("login.encryption-required", "login", N_("Encryption is required to sign in"),
       N_("The server only accepts passwords over an encrypted connection."),
       N_("Use SSL/TLS or STARTTLS.")),
    _f("login.temporary", "login", N_("Temporary problem at the server"),
       N_("The server could not check your password right now: {text}"),
       N_("Wait a few minutes and try again.")),
    _f("login.in-use", "login", N_("Another program is using the mailbox"),
       N_("Another device or program is fetching this mailbox right now."),
       N_("Close other mail programs or wait until they finish, then try again.")),
    _f("login.too-soon", "login", N_("Signed in again too soon"),
       N_("The server allows only one sign-in every few minutes."),
       N_("Set your mail program to check for mail less often.")),
    _f("login.too-many-attempts", "login", N_("Too many failed attempts"),
       N_("The server blocks sign-ins for a while after too many wrong passwords."),
       N_("Wait a while before you try again; your provider decides how long. Check "
          "that you use an app password if your provider needs one.")),
    _f("login.not-allowed", "login", N_("Sign-in not allowed for this service"),
       N_("Your username and password are right, but the account may not use this "
          "service: {text}"),
       N_("Switch on IMAP/POP3 access in your provider's webmail settings, or ask your "
          "provider.")),
    _f("login.contact-provider", "login", N_("The provider must look at your account"),
       N_("The server reports a problem with your account: {text}"),
       N_("Contact your provider's support and quote this message.")),
    _f("login.failed", "login", N_("Sign-in failed"),
       N_("The server refused the sign-in: {text}"),
       N_("Check username and password. If they are right, contact your provider.")),
    _f("login.alert", "login", N_("Message from the server"),
       N_("The server asks to show you this message: {text}")),
    _f("login.skipped-no-password", "login", N_("Sign-in not tested"),
       N_("No password was given, so sign-in was not tested.")),
    _f("login.skipped-insecure", "login", N_("Password not sent: no encryption"),
       N_("This connection is not encrypted, so the password was not sent. Anyone on "
          "the way could have read it."),
       N_("Use an encrypted setting. To test anyway, add --allow-insecure-password "
          "(not recommended).")),
    _f("login.insecure-sent", "login", N_("The password was sent unencrypted"),
       N_("You allowed it, so the password was sent over an unencrypted connection. "
          "Anyone on the way could read it."),
       N_("Change your password if this was not a private test network, and use an "
          "encrypted setting.")),
    _f("login.skipped-unsafe", "login", N_("Password not sent: the connection is not "
                                           "safe"),
       N_("Because of the problem above, the password was not sent to this server.")),
    _f("login.skipped-unconfirmed", "login", N_("Password not sent: server not confirmed"),
       N_("The name of this server, {host}, comes from {source}. That source cannot "
          "prove that the server belongs to your e-mail provider. So setupwizard did "
          "not send your password there: it could have ended up with a stranger. All "
          "other checks were done."),
       N_("Compare the server name with your provider's help pages. If it is right, run "
          "the test again with --trust-discovered, or name the server yourself with "
          "--imap, --pop3 or --smtp.")),
    _f("login.skipped-other-address", "login", N_("Sign-in tested on another address"),
       N_("Sign-in was tested once for this server, over {tested}.")),
    _f("login.unsafe-value", "login", N_("Sign-in not tested: a setting contains "
                                         "hidden characters"),
       N_("The {what} contains a line break or another invisible control character. "
          "Sent to the server, it would become extra commands - for example to delete "
          "e-mails. Nothing was sent with it, so the sign-in was not tested."),
       N_("Type the {what} again by hand. Did it come from the automatic search for "
          "settings? Then do not use those settings: ask your provider for the right "
          "ones.")),
    # -- mailbox -----------------------------------------------------------
    _f("mailbox.ok", "mailbox", N_("The mailbox can be read"),
       N_("Folders: {folders}. Messages in the inbox: {messages}.")),
    _f("mailbox.pop3", "mailbox", N_("The mailbox can be read"),
       N_("Messages waiting: {messages} ({size} bytes).")),
    _f("mailbox.failed", "mailbox", N_("The mailbox could not be read"),
       N_("Sign-in worked, but the mailbox could not be listed: {reason}."),
       N_("Try again later; if it persists, tell your provider.")),
    # -- protocol trouble in the middle of a conversation ---------------------
    _f("probe.internal-error", "greeting", N_("The test itself failed"),
       N_("setupwizard ran into an error of its own while testing this server ({reason}). "
          "This says nothing about the server."),
       N_("Try again. If it keeps happening, please report it to the setupwizard "
          "developers with this message.")),
    _f("protocol.broken", "greeting", N_("The conversation broke off"),
       N_("The server stopped answering properly: {reason}."),
       N_("Try again. If it keeps happening, tell your provider.")),
]

FINDINGS: dict[str, Finding] = {f.id: f for f in _ALL}


def finding(id: str) -> Finding:
    """The finding with this id; KeyError for an unknown id."""
    return FINDINGS[id]

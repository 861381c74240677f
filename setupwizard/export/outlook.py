"""Microsoft Outlook: an Autodiscover answer, a .reg file, and manual steps.

Classic Outlook on Windows (2016, 2019, 2021, Microsoft 365) can read a
local Autodiscover file: the registry key
``HKCU\\Software\\Microsoft\\Office\\16.0\\Outlook\\AutoDiscover`` gets a
string value named after the mail domain whose data is the file's path, and
the DWORD ``PreferLocalXML``=1 makes Outlook look there first.

Where the file lives: the .reg file cannot know the Windows user's profile
folder (the files are often made on another computer, and Documents is
often moved into OneDrive), and a string value is not expanded by Windows -
whether Outlook expands ``%USERPROFILE%`` in this value is not documented,
so a path built on it may silently fail. The .reg therefore names a fixed
path that is the same on every Windows installation and that a user may
create without administrator rights: ``C:\\setupwizard\\<xml file>``. The
next steps tell the user to create that folder and copy the XML file into
it before double-clicking the .reg file. The XML file holds no password.

Outlook 2016 and later often insist on their own cloud lookup for IMAP
accounts, and the new Outlook for Windows and Outlook on phones cannot
import anything: a text file with the settings and the manual steps for
each of them is always written too.
"""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

from ..formats.autodiscover import write_response
from ..errors import UsageError
from ..i18n import Message, Translator, msg
from . import Account, ExportedFile, write_file
from .fields import DISPLAY_NAME, SECURITY_NAMES, checked_text, file_part, login, \
    primary_servers

__all__ = ["REGISTRY_KEY", "WINDOWS_FOLDER", "xml_file_name", "registry_file",
           "reg_string", "manual_steps", "write"]

REGISTRY_KEY = "HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook\\AutoDiscover"
WINDOWS_FOLDER = "C:\\setupwizard"
REG_HEADER = "Windows Registry Editor Version 5.00"
#: Keep Windows paths well below MAX_PATH (260).
MAX_WINDOWS_PATH = 240


def xml_file_name(domain: str) -> str:
    """``autodiscover-<domain>.xml``, shortened (with a digest) when the
    path in WINDOWS_FOLDER would get too long for Windows."""
    name = f"autodiscover-{file_part(domain, limit=200)}.xml"
    if len(WINDOWS_FOLDER) + 1 + len(name) > MAX_WINDOWS_PATH:
        digest = hashlib.sha256(domain.encode("utf-8")).hexdigest()[:10]
        name = f"autodiscover-{file_part(domain, limit=150)[:150]}-{digest}.xml"
    return name


def reg_string(value: str) -> str:
    """``value`` as a quoted .reg string: backslashes doubled, quotes
    escaped. Raises UsageError for line breaks and other control
    characters, which a .reg string cannot hold."""
    if any(ord(c) < 32 or 0x7f <= ord(c) < 0xa0 for c in value):
        raise UsageError(msg("a registry value cannot hold control characters"))
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def registry_file(domains: tuple[str, ...], xml_path: str) -> bytes:
    """The .reg file that points classic Outlook at ``xml_path`` for each of
    ``domains``: UTF-16 LE with BOM, CRLF line ends, as regedit writes it."""
    lines = [REG_HEADER, "", f"[{REGISTRY_KEY}]", '"PreferLocalXML"=dword:00000001']
    for domain in dict.fromkeys(domains):
        lines.append(f"{reg_string(domain)}={reg_string(xml_path)}")
    text = "\r\n".join(lines) + "\r\n\r\n"
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


def _settings_rows(account: Account) -> list[tuple[Message, str | Message]]:
    incoming, outgoing = primary_servers(account.incoming, account.outgoing)
    none = msg("None (unencrypted)")
    rows: list[tuple[Message, str | Message]] = [
        (msg("E-mail address"), account.address.text),
        (msg("Account type"), incoming.protocol.upper()),
        (msg("Incoming mail server"), incoming.host),
        (msg("Port"), str(incoming.port)),
        (msg("Encryption method"), SECURITY_NAMES.get(incoming.security, none)),
        (msg("Username"), login(incoming, account.address)),
        (msg("Outgoing mail server (SMTP)"), outgoing.host),
        (msg("Port"), str(outgoing.port)),
        (msg("Encryption method"), SECURITY_NAMES.get(outgoing.security, none)),
        (msg("Username"), login(outgoing, account.address)),
        (msg("Outgoing server requires authentication"), msg("yes")),
        (msg("Secure Password Authentication (SPA)"), msg("off")),
    ]
    if incoming.protocol == "pop3":
        rows.append((msg("Leave a copy of messages on the server"),
                     msg("yes") if account.leave_on_server else msg("no")))
    return rows


def manual_steps(account: Account, *, lang: str, reg_name: str) -> str:
    """The manual-setup text for classic Outlook, the new Outlook for
    Windows and Outlook on phones, in ``lang``."""
    tr = Translator(lang)
    out: list[str] = []

    def heading(text: str) -> None:
        out.extend(["", text, "-" * len(text)])

    title = tr.render(msg("Outlook: set up {address} by hand", address=account.address.text))
    out.extend([title, "=" * len(title), ""])
    out.append(tr.render(msg("Use these settings wherever Outlook asks for them. Your "
                             "password is not in this file: Outlook asks for it.")))
    rows = [(tr.render(label), tr.render(value) if isinstance(value, Message) else value)
            for label, value in _settings_rows(account)]
    width = max(len(label) for label, _ in rows) + 1
    out.append("")
    out.extend(f"  {label + ':':<{width}} {value}" for label, value in rows)

    protocol = account.protocol.upper()
    mobile_note = None
    if account.protocol == "pop3":
        mobile_note = msg("Outlook on phones cannot use POP3: use the phone's own mail app "
                          "with the settings above, or IMAP if your provider offers it.")
    sections: list[tuple[Message, list[Message], Message | None]] = [
        (msg("Classic Outlook for Windows (2016, 2019, 2021, Microsoft 365), when {reg} did "
             "not fill in the settings", reg=reg_name), [
            msg("Choose File > Add Account."),
            msg("Enter {address}, open \"Advanced options\", tick \"Let me set up my account "
                "manually\" and choose Connect.", address=account.address.text),
            msg("Choose {protocol}, enter the settings above and choose Next; then enter "
                "your password.", protocol=protocol),
        ], None),
        (msg("New Outlook for Windows"), [
            msg("Open Settings (the gear) > Accounts > Email accounts > Add account."),
            msg("Enter {address} and choose Continue; if Outlook offers a provider, choose "
                "{protocol} instead.", address=account.address.text, protocol=protocol),
            msg("Enter the settings above (\"Show more\" reveals ports and encryption) and "
                "choose Continue."),
        ], None),
        (msg("Outlook on iPhone, iPad and Android"), [
            msg("Open Settings > Add Mail Account > Add Email Account and enter {address}.",
                address=account.address.text),
            msg("Choose \"Set up account manually\" and then IMAP."),
            msg("Turn on \"Advanced settings\", enter the settings above and confirm."),
        ], mobile_note),
    ]
    for header, steps, note in sections:
        heading(tr.render(header))
        out.extend(f"  {n}. {tr.render(step)}" for n, step in enumerate(steps, start=1))
        if note is not None:
            out.append("  " + tr.render(note))
    return "\r\n".join(out) + "\r\n"


def write(account: Account, out_dir: Path, *, lang: str = "en") -> list[ExportedFile]:
    """Write the Autodiscover answer, the .reg file and the manual steps for
    ``account`` into ``out_dir``. Returns the three files with their next
    steps. Raises ExportError when the account lacks a server, UsageError
    for values the formats cannot carry."""
    address = account.address
    incoming, outgoing = primary_servers(account.incoming, account.outgoing)
    servers = [incoming.with_(username=login(incoming, address)),
               outgoing.with_(username=login(outgoing, address))]
    display_name = checked_text(account.display_name, DISPLAY_NAME) \
        if account.display_name else None
    xml_name = xml_file_name(address.ascii_domain)
    xml_path = write_file(out_dir / xml_name,
                          write_response(servers, display_name=display_name))
    windows_path = f"{WINDOWS_FOLDER}\\{xml_name}"
    # Outlook matches the domain as the user types it: name both spellings.
    domains = (address.ascii_domain, address.domain)
    reg_name = f"outlook-classic-{file_part(address.ascii_domain)}.reg"
    reg_path = write_file(out_dir / reg_name, registry_file(domains, windows_path))
    text_path = write_file(out_dir / "outlook-manual-setup.txt",
                           manual_steps(account, lang=lang, reg_name=reg_name)
                           .encode("utf-8"))
    return [
        ExportedFile(path=xml_path, title=msg("Autodiscover file for classic Outlook on "
                                              "Windows"), steps=(
            msg("On the Windows computer create the folder {folder} and copy this file into "
                "it, keeping its name (the registry file points exactly there).",
                folder=WINDOWS_FOLDER),)),
        ExportedFile(path=reg_path, title=msg("Registry file that points classic Outlook "
                                              "at the autodiscover file"), steps=(
            msg("Then double-click this file and confirm. It changes settings of the "
                "current Windows user only."),
            msg("Start Outlook, choose File > Add Account and enter {address}: Outlook "
                "reads the settings from the file and asks for your password.",
                address=address.text),
            msg("If Outlook still asks for server settings, follow {file}.",
                file="outlook-manual-setup.txt"),
        )),
        ExportedFile(path=text_path, title=msg("Manual setup for the new Outlook, Outlook on "
                                               "phones and classic Outlook"), steps=(
            msg("The new Outlook for Windows and Outlook on phones cannot import a file: "
                "open this one and follow the section for your Outlook."),)),
    ]

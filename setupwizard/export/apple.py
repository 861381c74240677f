"""Apple Mail on iOS, iPadOS and macOS: a .mobileconfig profile.

An XML property list (plistlib) with one ``com.apple.mail.managed``
payload. ``PayloadIdentifier`` is derived from the address, so installing a
newer profile for the same account replaces the old one; the UUIDs are new
each time. The format has one ``UseSSL`` switch for both kinds of
encryption: it is on for implicit TLS and STARTTLS alike, and the port says
which. Passwords go in only when the account carries one
(--include-password), and the file is then written owner-only.

Signed profiles are DER CMS SignedData with the plist embedded and the
certificate chain included (cryptography's PKCS7 builder with the Binary
option, so line endings stay as they are); devices show them as verified
when they trust the chain. Unsigned profiles install with an "Unsigned"
label.
"""

from __future__ import annotations

import hashlib
import plistlib
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..i18n import Translator, msg
from ..models import EmailAddress, Server
from . import Account, ExportedFile, write_file
from .fields import (DISPLAY_NAME, checked_secret, checked_text, file_part, login,
                     primary_servers)

__all__ = ["Signer", "load_signer", "profile", "sign", "payload_identifier", "write",
           "MIME_TYPE"]

MIME_TYPE = "application/x-apple-aspen-config"
ACCOUNT_TYPES = {"imap": "EmailTypeIMAP", "pop3": "EmailTypePOP"}
#: clientConfig sign-in method -> Apple's, best first.
AUTH_MAP = (("password-cleartext", "EmailAuthPassword"),
            ("password-encrypted", "EmailAuthCRAMMD5"),
            ("ntlm", "EmailAuthNTLM"),
            ("none", "EmailAuthNone"),
            ("client-ip-address", "EmailAuthNone"),
            ("smtp-after-pop", "EmailAuthNone"))


@dataclass(frozen=True)
class Signer:
    """A certificate with its private key, and the certificates between it
    and a root, to sign profiles with."""

    certificate: object
    key: object
    chain: tuple = ()

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()


def load_signer(cert_path: str, key_path: str, chain_path: str | None = None) -> Signer:
    """Read PEM files: the signing certificate, its private key (not
    protected by a passphrase; RSA or EC) and optionally the intermediate
    certificates.

    Raises UsageError when a file is missing or unreadable, the key is
    protected or of an unusable kind, or key and certificate do not belong
    together.
    """
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    def read(path: str) -> bytes:
        try:
            with open(path, "rb") as handle:
                return handle.read(1_000_000)
        except OSError as exc:
            raise UsageError(msg("cannot read {path}: {reason}", path=path,
                                 reason=exc.strerror or str(exc))) from None

    try:
        certificate = x509.load_pem_x509_certificate(read(cert_path))
    except ValueError:
        raise UsageError(msg("{path} is not a PEM certificate", path=cert_path)) from None
    try:
        key = serialization.load_pem_private_key(read(key_path), password=None)
    except TypeError:
        raise UsageError(msg("the private key in {path} is protected by a passphrase; "
                             "give an unprotected copy", path=key_path)) from None
    except (ValueError, UnsupportedAlgorithm):
        raise UsageError(msg("{path} is not a PEM private key", path=key_path)) from None
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise UsageError(msg("the key in {path} must be an RSA or EC key", path=key_path))
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(*spki) != certificate.public_key().public_bytes(*spki):
        raise UsageError(msg("the key in {key} does not belong to the certificate in {cert}",
                             key=key_path, cert=cert_path))
    chain: tuple = ()
    if chain_path:
        try:
            chain = tuple(x509.load_pem_x509_certificates(read(chain_path)))
        except ValueError:
            raise UsageError(msg("{path} holds no PEM certificates", path=chain_path)) from None
    return Signer(certificate=certificate, key=key, chain=chain)


def payload_identifier(address: EmailAddress) -> str:
    """A reverse-DNS identifier that is the same every time for the same
    address (upper or lower case alike), so a reinstalled profile replaces
    the old one."""
    domain = ".".join(reversed(address.ascii_domain.lower().split(".")))
    local = re.sub(r"[^a-z0-9-]+", "-", address.local.lower()).strip("-")[:40] or "account"
    digest = hashlib.sha256(f"{address.local.lower()}@{address.ascii_domain.lower()}"
                            .encode("utf-8")).hexdigest()[:12]
    return f"{domain}.setupwizard.mail.{local}-{digest}"


def _apple_auth(server: Server) -> str:
    methods = [a.lower() for a in server.auth]
    for ours, apple in AUTH_MAP:
        if ours in methods:
            return apple
    # OAuth2, GSSAPI, client certificates: a profile cannot set them up; a
    # password (usually an app password) is what the device can use.
    return "EmailAuthPassword"


def _oauth_only(server: Server) -> bool:
    methods = [a.lower() for a in server.auth]
    return "oauth2" in methods and not any(m.startswith("password") for m in methods)


def _host(server: Server) -> str:
    from ..models import to_ascii_domain
    host = server.host.rstrip(".").lower()
    if not host.isascii():
        host = to_ascii_domain(host) or ""
    if not host:
        raise UsageError(msg("not a host name: {host}", host=server.host))
    return checked_text(host, msg("host name"), limit=253)


def profile(account: Account, *, lang: str = "en") -> dict:
    """The profile for ``account`` as a dictionary ready for plistlib: fresh
    UUIDs, a stable identifier, texts in ``lang``. Raises ExportError when
    the account lacks an incoming or outgoing server, UsageError for values
    no profile can carry."""
    tr = Translator(lang)
    address = account.address
    incoming, outgoing = primary_servers(account.incoming, account.outgoing)
    identifier = payload_identifier(address)
    email = checked_text(address.ascii, msg("address"))
    in_login, out_login = login(incoming, address), login(outgoing, address)
    mail: dict[str, object] = {
        "PayloadType": "com.apple.mail.managed",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{identifier}.account",
        "PayloadUUID": str(uuid.uuid4()).upper(),
        "PayloadDisplayName": tr.render(msg("E-mail account {address}", address=email)),
        "EmailAccountType": ACCOUNT_TYPES[incoming.protocol],
        "EmailAccountDescription": email,
        "EmailAddress": email,
        "IncomingMailServerHostName": _host(incoming),
        "IncomingMailServerPortNumber": int(incoming.port),
        "IncomingMailServerUseSSL": incoming.security != "plain",
        "IncomingMailServerUsername": in_login,
        "IncomingMailServerAuthentication": _apple_auth(incoming),
        "OutgoingMailServerHostName": _host(outgoing),
        "OutgoingMailServerPortNumber": int(outgoing.port),
        "OutgoingMailServerUseSSL": outgoing.security != "plain",
        "OutgoingMailServerUsername": out_login,
        "OutgoingMailServerAuthentication": _apple_auth(outgoing),
    }
    if account.display_name:
        mail["EmailAccountName"] = checked_text(account.display_name, DISPLAY_NAME)
    if account.password is not None:
        password = checked_secret(account.password)
        mail["IncomingPassword"] = password
        mail["OutgoingPassword"] = password
    elif in_login == out_login:
        mail["OutgoingPasswordSameAsIncomingPassword"] = True
    organisation = account.provider.name if account.provider else address.domain
    return {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": identifier,
        "PayloadUUID": str(uuid.uuid4()).upper(),
        "PayloadDisplayName": tr.render(msg("E-mail: {address}", address=email)),
        "PayloadDescription": tr.render(msg(
            "Sets up {address} in Apple Mail: incoming mail from {incoming} ({protocol}), "
            "outgoing mail through {outgoing}.", address=email, incoming=_host(incoming),
            protocol=incoming.protocol.upper(), outgoing=_host(outgoing))),
        "PayloadOrganization": checked_text(organisation, msg("provider name")),
        "PayloadContent": [mail],
    }


def sign(data: bytes, signer: Signer) -> bytes:
    """``data`` wrapped in DER CMS SignedData (content embedded, SHA-256,
    the signer's chain included)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7

    builder = pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(
        signer.certificate, signer.key, hashes.SHA256())
    for certificate in signer.chain:
        builder = builder.add_certificate(certificate)
    return builder.sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])


def write(account: Account, out_dir: Path, *, lang: str = "en",
          signer: Signer | None = None) -> list[ExportedFile]:
    """Write ``apple-mail-<address>.mobileconfig`` into ``out_dir``, signed
    when ``signer`` is given. Returns the file with its next steps; raises
    as ``profile()`` does."""
    content = profile(account, lang=lang)
    data = plistlib.dumps(content, fmt=plistlib.FMT_XML, sort_keys=True)
    if signer is not None:
        data = sign(data, signer)
    secret = account.password is not None
    path = write_file(out_dir / f"apple-mail-{file_part(account.address.text)}.mobileconfig",
                      data, secret=secret)
    steps = [
        msg("Get the file onto the iPhone, iPad or Mac (AirDrop, e-mail to yourself, or a "
            "download in Safari) and open it."),
        msg("iPhone and iPad: open Settings, tap \"Profile Downloaded\" and then Install. "
            "Mac: open System Settings > General > Device Management (older macOS: System "
            "Preferences > Profiles), double-click the profile and choose Install."),
    ]
    if signer is None:
        steps.append(msg("The profile is not signed, so the device marks it \"Unsigned\" or "
                         "\"Not Verified\". That is normal for a profile you made yourself; "
                         "check that the server names shown are right before you install."))
    else:
        steps.append(msg("The profile is signed by {signer}; the device shows \"Verified\" "
                         "when it trusts that certificate.", signer=signer.subject))
    if secret:
        steps.append(msg("The profile contains the password: delete the file once the "
                         "account works, and do not send it over channels others can read."))
    else:
        steps.append(msg("During installation the device asks for the password of "
                         "{address}.", address=account.address.text))
    incoming, outgoing = primary_servers(account.incoming, account.outgoing)
    if _oauth_only(incoming) or _oauth_only(outgoing):
        steps.append(msg("This provider wants sign-in through its own web page (OAuth2), "
                         "which a profile cannot set up: create an app password in your "
                         "account at the provider and enter that instead of your password."))
    return [ExportedFile(path=path, title=msg("Configuration profile for iPhone, iPad and "
                                              "Mac (Apple Mail)"),
                         steps=tuple(steps), secret=secret)]

"""One-off scripted mail servers on 127.0.0.1 for a single test, and a
certificate with a malformed subject.

``lab.hostile(kind)`` covers the kinds many tests share; the servers here
are written inline by the test that needs them (a function that gets a
``Session`` and talks), on a random port of 127.0.0.1, with or without
TLS. Everything a client sends is recorded in ``server.received``.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
from pathlib import Path
from typing import Callable


class Session:
    """One client connection: read lines, send bytes."""

    def __init__(self, server: "ScriptedServer", sock: socket.socket) -> None:
        self.server, self.sock = server, sock
        self.buf = b""

    def send(self, data: bytes | str) -> None:
        self.sock.sendall(data.encode("utf-8") if isinstance(data, str) else data)

    def read_line(self) -> bytes:
        """One line without CRLF; raises ConnectionError when the client left."""
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("client closed")
            self.server._record(data)
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r")


class ScriptedServer:
    """Runs ``script(session)`` for every connection to 127.0.0.1:``port``."""

    def __init__(self, script: Callable[[Session], None], *,
                 context: ssl.SSLContext | None = None) -> None:
        self.script, self.context = script, context
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self._received = bytearray()
        self._lock = threading.Lock()
        self._stopping = False
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def received(self) -> bytes:
        with self._lock:
            return bytes(self._received)

    def _record(self, data: bytes) -> None:
        with self._lock:
            self._received += data

    def _accept(self) -> None:
        while not self._stopping:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(30)
        try:
            if self.context is not None:
                sock = self.context.wrap_socket(sock, server_side=True)
            self.script(Session(self, sock))
        except (OSError, ConnectionError, ValueError):
            pass  # the client hung up, which is what these clients end up doing
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def __enter__(self) -> "ScriptedServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopping = True
        self.listener.close()
        self._thread.join(2)


# -- a certificate whose subject cannot be parsed ------------------------------

def _der_length(size: int) -> bytes:
    if size < 128:
        return bytes([size])
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv_end(data: bytes, start: int) -> int:
    first = data[start + 1]
    if first < 128:
        return start + 2 + first
    count = first & 0x7F
    return start + 2 + count + int.from_bytes(data[start + 2:start + 2 + count], "big")


def malformed_subject_certificate(folder: Path) -> tuple[Path, Path, Path]:
    """(CA PEM, certificate PEM, key PEM) for 127.0.0.1, signed by a fresh
    trustme CA. The subject's common name is a TeletexString holding byte
    0xFF: OpenSSL accepts and verifies the certificate, but ``cryptography``
    raises ValueError as soon as ``cert.subject`` is read - the "malformed
    subject" of a real server, built here because no library writes one."""
    import trustme
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.x509.name import _ASN1Type
    from cryptography.x509.oid import NameOID

    ca = trustme.CA()
    ca_key = serialization.load_pem_private_key(ca.private_key_pem.bytes(), None)
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    mark = "MARKMARKMARK"
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, mark,
                                                        _type=_ASN1Type.PrintableString)]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    tbs = cert.tbs_certificate_bytes
    at = tbs.index(b"\x13\x0c" + mark.encode())  # PrintableString, 12 bytes
    tbs = tbs[:at] + b"\x14\x0cMARK\xffMARKMAR" + tbs[at + 14:]  # TeletexString with 0xFF
    if isinstance(ca_key, ec.EllipticCurvePrivateKey):
        signature = ca_key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    else:
        signature = ca_key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    original = cert.public_bytes(serialization.Encoding.DER)
    alg_start = original.index(cert.tbs_certificate_bytes) + len(cert.tbs_certificate_bytes)
    algorithm = original[alg_start:_tlv_end(original, alg_start)]
    body = tbs + algorithm + b"\x03" + _der_length(len(signature) + 1) + b"\x00" + signature
    der = b"\x30" + _der_length(len(body)) + body
    ca_path, cert_path, key_path = (folder / "ca.pem", folder / "cert.pem", folder / "key.pem")
    ca_path.write_bytes(ca.cert_pem.bytes())
    cert_path.write_text(ssl.DER_cert_to_PEM_cert(der))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca_path, cert_path, key_path


def echo_smtp(session: "Session") -> None:
    """An SMTP server that repeats the password it got in its refusal
    (AUTH LOGIN): the report must scrub every form of it."""
    session.send("220 ready\r\n")
    while True:
        line = session.read_line().decode()
        verb = line.split(" ", 1)[0].upper()
        if verb == "EHLO":
            session.send("250-hello\r\n250 AUTH LOGIN\r\n")
        elif verb == "AUTH":
            session.send("334 VXNlcm5hbWU6\r\n")
            session.read_line()
            session.send("334 UGFzc3dvcmQ6\r\n")
            answer = session.read_line().decode()
            session.send(f"535 5.7.8 your password {answer} is wrong\r\n")
        elif verb == "QUIT":
            session.send("221 bye\r\n")
            return
        else:
            session.send("502 what\r\n")

"""The lab's web servers: threaded HTTP/HTTPS, routing by Host and path.

Certificates come from trustme: one lab CA (its PEM is ``--ca-file``) signs
the ``web`` certificate, which lists every routed host by name (browsers and
Python refuse a bare ``*.test`` wildcard, so names are listed one by one),
and a ``wrong-name.test`` certificate for ``web-wrongname``; a second CA that
nobody trusts signs the ``web-untrusted`` certificate for the same names as
``web``.
"""

from __future__ import annotations

import os
import socket
import ssl
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Iterable
from urllib.parse import parse_qsl, urlsplit

from .spec import Reply, Request, Route

_QUIET_ERRORS = (ConnectionError, TimeoutError, ssl.SSLError)


class Certificates:
    """The lab's CAs and server certificates, written into ``folder``."""

    def __init__(self, folder: str, hosts: Iterable[str]) -> None:
        import trustme
        self.hosts = sorted(set(hosts))
        self.ca = trustme.CA(organization_name="setupwizard test lab")
        self.untrusted_ca = trustme.CA(organization_name="untrusted test CA")
        self.ca_file = os.path.join(folder, "lab-ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_file)
        self.untrusted_ca_file = os.path.join(folder, "untrusted-ca.pem")
        self.untrusted_ca.cert_pem.write_to_path(self.untrusted_ca_file)
        self._leaf = {
            "web": self.ca.issue_cert(*self.hosts),
            "web-untrusted": self.untrusted_ca.issue_cert(*self.hosts),
            "web-wrongname": self.ca.issue_cert("wrong-name.test"),
        }

    def server_context(self, server: str) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._leaf[server].configure_cert(context)
        return context

    # -- certificates for the mail servers, made when one starts -----------
    def issue(self, *names: str, not_before=None, not_after=None):
        """A trustme LeafCert from the lab CA for ``names`` (validity as given)."""
        return self.ca.issue_cert(*names, not_before=not_before, not_after=not_after)

    @staticmethod
    def context_for(leaf) -> ssl.SSLContext:
        """A server SSLContext presenting ``leaf`` (a trustme LeafCert)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        leaf.configure_cert(context)
        return context

    @staticmethod
    def write_pem_files(leaf, folder: str, stem: str) -> tuple[str, str]:
        """Write ``leaf``'s chain and key as ``stem.crt`` / ``stem.key`` in
        ``folder``; returns (cert_path, key_path)."""
        cert_path = os.path.join(folder, f"{stem}.crt")
        key_path = os.path.join(folder, f"{stem}.key")
        with open(cert_path, "wb") as out:
            for pem in leaf.cert_chain_pems:
                out.write(pem.bytes())
        leaf.private_key_pem.write_to_path(key_path)
        os.chmod(cert_path, 0o644)
        os.chmod(key_path, 0o600)
        return cert_path, key_path


def self_signed_pem(name: str) -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM) of a self-signed leaf for ``name``: issuer
    = subject, signed by its own key, not a CA - OpenSSL calls it
    "self-signed certificate" (X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "self-signed lab host")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[Request] = []

    def add(self, request: Request) -> None:
        with self._lock:
            self._requests.append(request)

    def find(self, host: str | None = None, path: str | None = None) -> list[Request]:
        host = host.rstrip(".").lower() if host else None
        with self._lock:
            return [r for r in self._requests
                    if (host is None or r.host == host) and (path is None or r.path == path)]


class WebServer(ThreadingHTTPServer):
    """One listening address and scheme; ``serve()`` runs it in a thread."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, name: str, ip: str, port: int, scheme: str, routes: list[Route],
                 log: RequestLog, tls: ssl.SSLContext | None = None) -> None:
        self.lab_name, self.scheme, self.routes, self.log, self.tls = name, scheme, routes, log, tls
        self.stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__((ip, port), _Handler)  # raises OSError when the port is taken

    def server_bind(self) -> None:
        # HTTPServer.server_bind would ask DNS for our name (getfqdn): skip it
        TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request, client_address) -> None:
        # runs in the connection's own thread, so a slow TLS handshake
        # never holds up the accept loop
        request.settimeout(10)
        conn = request
        with self._open_lock:
            self._open.add(request)
        try:
            if self.tls is not None:
                try:
                    conn = self.tls.wrap_socket(request, server_side=True)
                except OSError:  # includes SSLError: the client rejected our certificate
                    return
                with self._open_lock:
                    self._open.add(conn)
            super().finish_request(conn, client_address)
        finally:
            with self._open_lock:
                self._open.discard(request)
                self._open.discard(conn)
            try:
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            conn.close()

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], _QUIET_ERRORS):
            return
        super().handle_error(request, client_address)

    def serve(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"lab-{self.lab_name}-{self.scheme}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self._thread is not None:
            self.shutdown()
        with self._open_lock:
            still_open = list(self._open)
        for sock in still_open:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: WebServer

    def log_message(self, format, *args) -> None:  # noqa: A002 - quiet
        pass

    def __getattr__(self, name: str):
        # do_GET, do_POST, do_PROPFIND...: every method goes to the router
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        length = self.headers.get("Content-Length", "")
        return self.rfile.read(int(length)) if length.isdigit() else b""

    def _serve(self) -> None:
        from httpx import Headers as CaseInsensitiveDict
        server = self.server
        host = (self.headers.get("Host") or server.server_address[0]).strip()
        if host.startswith("["):
            host = host[1:].split("]")[0]
        else:
            host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        host = host.rstrip(".").lower()
        parts = urlsplit(self.path)
        request = Request(method=self.command, scheme=server.scheme, host=host,
                          path=parts.path or "/", query=dict(parse_qsl(parts.query, True)),
                          headers=CaseInsensitiveDict(self.headers.items()),
                          body=self._read_body(), server=server.lab_name)
        server.log.add(request)
        route = next((r for r in server.routes
                      if r.matches(request.scheme, request.host, request.path, request.method)),
                     None)
        if route is None:
            reply = Reply(404, body=f"no lab route for {server.scheme}://{host}{request.path}\n",
                          content_type="text/plain")
        else:
            try:
                reply = route.reply(request)
            except Exception:
                traceback.print_exc()
                reply = Reply(500, body=b"lab route handler failed\n", content_type="text/plain")
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        headers = dict(reply.headers)
        names = {k.lower() for k in headers}
        body = reply.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        drip = not isinstance(body, (bytes, bytearray, memoryview))
        self.send_response(reply.status)
        if reply.content_type and "content-type" not in names:
            self.send_header("Content-Type", reply.content_type)
        if drip:
            if "connection" not in names:
                self.send_header("Connection", "close")
            self.close_connection = True
        elif "content-length" not in names:
            self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
            if name.lower() == "connection" and value.lower() == "close":
                self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            return
        if not drip:
            self.wfile.write(body)
            return
        for delay, chunk in body:
            if delay and self.server.stopping.wait(delay):
                break
            self.wfile.write(chunk)
            self.wfile.flush()

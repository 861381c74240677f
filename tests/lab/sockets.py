"""Listening sockets and a one-thread select loop that stops at once."""

from __future__ import annotations

import selectors
import socket
import threading


def tcp_listener(ip: str, port: int, backlog: int = 128) -> socket.socket:
    """A listening TCP socket; OSError (EADDRINUSE...) when the port is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((ip, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


def udp_socket(ip: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((ip, port))
    except OSError:
        sock.close()
        raise
    return sock


class SelectLoop:
    """Runs ``on_ready(sock)`` for each readable socket in one daemon thread.

    ``stop()`` wakes the loop through a socket pair, so it returns at once,
    and closes every socket the loop still holds.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._thread: threading.Thread | None = None
        self._stopping = False

    def add(self, sock: socket.socket) -> None:
        self._selector.register(sock, selectors.EVENT_READ)

    def drop(self, sock: socket.socket) -> None:
        try:
            self._selector.unregister(sock)
        except (KeyError, ValueError):
            pass
        sock.close()

    def on_ready(self, sock: socket.socket) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"lab-{self.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping:
            for key, _ in self._selector.select():
                if key.fileobj is self._wake_r or self._stopping:
                    continue
                try:
                    self.on_ready(key.fileobj)
                except OSError:
                    self.drop(key.fileobj)

    def stop(self) -> None:
        self._stopping = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        if self._thread is not None:
            self._thread.join(2)
        for key in list(self._selector.get_map().values()):
            key.fileobj.close()
        self._selector.close()
        self._wake_w.close()


def tail_of_files(paths, limit: int = 2000) -> str:
    """The last ``limit`` characters of each readable, non-empty file in
    ``paths`` (a server's stderr and log), for error messages."""
    parts = []
    for path in paths:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read().strip()
        except OSError:
            continue
        if text:
            parts.append(text[-limit:])
    return "\n".join(parts) or "(no output)"


class DNSServerLoop(SelectLoop):
    """A DNS server on one UDP socket and one TCP listener (``self._udp``,
    ``self._tcp``, set by the subclass): this class does the framing (UDP
    datagrams; TCP messages with a two-byte length) and asks ``_answer(wire)``
    for the reply bytes (None: no reply)."""

    _udp: socket.socket | None = None
    _tcp: socket.socket | None = None

    def _answer(self, wire: bytes) -> bytes | None:
        raise NotImplementedError

    def on_ready(self, sock: socket.socket) -> None:
        buffers = self.__dict__.setdefault("_buffers", {})
        if sock is self._udp:
            try:
                wire, peer = sock.recvfrom(65535)
                answer = self._answer(wire)
                if answer is not None:
                    sock.sendto(answer, peer)
            except OSError:  # never let one bad packet close the server
                pass
        elif sock is self._tcp:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            conn.settimeout(1.0)
            buffers[conn] = b""
            self.add(conn)
        else:
            try:
                data = sock.recv(65535)
            except OSError:
                data = b""
            if not data:
                buffers.pop(sock, None)
                self.drop(sock)
                return
            buffer = buffers.get(sock, b"") + data
            while len(buffer) >= 2 and len(buffer) >= 2 + int.from_bytes(buffer[:2], "big"):
                size = int.from_bytes(buffer[:2], "big")
                answer = self._answer(buffer[2:2 + size])
                buffer = buffer[2 + size:]
                if answer is not None:
                    sock.sendall(len(answer).to_bytes(2, "big") + answer)
            buffers[sock] = buffer

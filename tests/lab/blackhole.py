"""A host that accepts TCP connections and never sends a byte.

The connect succeeds, every read times out. Connections are accepted at
once (so the backlog never fills, however many tests knock) and held open
until the peer goes away or the lab stops; whatever the peer sends is read
and dropped.
"""

from __future__ import annotations

import socket

from .sockets import SelectLoop, tcp_listener

PORTS = (80, 443, 993, 995, 465, 587, 143, 110)


class Blackhole(SelectLoop):
    def __init__(self, ip: str, ports=PORTS) -> None:
        super().__init__("blackhole")
        self.ip = ip
        #: connections accepted so far (tests: "nothing new after cancelling")
        self.accepted = 0
        self._listeners: set[socket.socket] = set()
        #: connections accepted and not yet closed by the peer (tests check
        #: that a cancelled client really closed its socket)
        self.open_connections = 0
        try:
            for port in ports:
                sock = tcp_listener(ip, port)
                self._listeners.add(sock)
                self.add(sock)
        except OSError:
            self.stop()
            raise

    def on_ready(self, sock: socket.socket) -> None:
        if sock in self._listeners:
            try:
                conn, _ = sock.accept()
            except OSError:  # e.g. out of file descriptors: keep listening
                return
            self.accepted += 1
            conn.setblocking(False)
            self.add(conn)
            self.open_connections += 1
            return
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:  # reset by the peer: gone as well
            data = b""
        if not data:
            self.drop(sock)
            self.open_connections -= 1

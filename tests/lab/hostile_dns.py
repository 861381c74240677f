"""Tiny DNS servers that never give a useful answer, on UDP and TCP.

* ``servfail``: every query gets rcode SERVFAIL;
* ``refused``: every query gets rcode REFUSED;
* ``silent``: queries are read and dropped (UDP) or the TCP connection is
  held open without a reply, so clients time out.
"""

from __future__ import annotations

import socket

from .sockets import DNSServerLoop, tcp_listener, udp_socket

BEHAVIOURS = ("servfail", "refused", "silent")


class HostileDNS(DNSServerLoop):
    def __init__(self, behaviour: str, ip: str, port: int = 53) -> None:
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}")
        super().__init__(f"dns-{behaviour}")
        self.behaviour, self.ip, self.port = behaviour, ip, port
        self._udp = self._tcp = None
        self._buffers: dict[socket.socket, bytes] = {}
        try:
            self._udp = udp_socket(ip, port)
            self.add(self._udp)
            self._tcp = tcp_listener(ip, port)
            self.add(self._tcp)
        except OSError:
            self.stop()
            raise

    def _answer(self, wire: bytes) -> bytes | None:
        if self.behaviour == "silent":
            return None
        import dns.message
        import dns.rcode
        try:
            query = dns.message.from_wire(wire)
        except Exception:
            return None
        response = dns.message.make_response(query)
        response.set_rcode(dns.rcode.SERVFAIL if self.behaviour == "servfail"
                           else dns.rcode.REFUSED)
        return response.to_wire()

"""A tiny authoritative DNS server (dnspython) for records dnsmasq cannot
serve, such as a label holding an escaped dot (``imap\\..srvesc.test``).

``ZoneDNS({("_imaps._tcp.x.test", "SRV"): ["0 1 993 imap\\\\..x.test."]}, ip)``
answers those questions from the given rdata texts (master-file syntax,
so escapes work as in a zone file), NOERROR with no records for other
types of a known name, and NXDOMAIN for everything else. UDP and TCP, on
``port`` (0 picks a free one; see ``self.port``). Start with ``start()``,
stop with ``stop()``.
"""

from __future__ import annotations

import socket

from .sockets import DNSServerLoop, tcp_listener, udp_socket


class ZoneDNS(DNSServerLoop):
    def __init__(self, records: dict[tuple[str, str], list[str]], ip: str = "127.0.0.1",
                 port: int = 0) -> None:
        import dns.name
        super().__init__("dns-zone")
        self._records = {(dns.name.from_text(name), rdtype.upper()): list(rdatas)
                         for (name, rdtype), rdatas in records.items()}
        self._names = {name for name, _ in self._records}
        self._buffers: dict[socket.socket, bytes] = {}
        self.ip = ip
        # the UDP port the kernel picks may be taken for TCP: try a few
        for attempt in range(20):
            self._udp = udp_socket(ip, port)
            self.port = self._udp.getsockname()[1]
            try:
                self._tcp = tcp_listener(ip, self.port)
                break
            except OSError:
                self._udp.close()
                if port or attempt == 19:
                    raise
        self.add(self._udp)
        self.add(self._tcp)

    def _answer(self, wire: bytes) -> bytes | None:
        import dns.message
        import dns.rcode
        import dns.rdatatype
        import dns.rrset
        try:
            query = dns.message.from_wire(wire)
        except Exception:
            return None
        response = dns.message.make_response(query)
        response.flags |= 0x0400  # AA
        if not query.question:
            return response.to_wire()
        question = query.question[0]
        key = (question.name, dns.rdatatype.to_text(question.rdtype))
        if key in self._records:
            response.answer.append(dns.rrset.from_text_list(
                question.name, 60, "IN", key[1], self._records[key]))
        elif question.name not in self._names:
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response.to_wire()

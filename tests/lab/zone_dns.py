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

from .sockets import SelectLoop, tcp_listener, udp_socket


class ZoneDNS(SelectLoop):
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

    def on_ready(self, sock: socket.socket) -> None:
        if sock is self._udp:
            try:
                wire, peer = sock.recvfrom(65535)
                answer = self._answer(wire)
                if answer is not None:
                    sock.sendto(answer, peer)
            except OSError:
                pass
        elif sock is self._tcp:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            conn.settimeout(1.0)
            self._buffers[conn] = b""
            self.add(conn)
        else:
            try:
                data = sock.recv(65535)
            except OSError:
                data = b""
            if not data:
                self._buffers.pop(sock, None)
                self.drop(sock)
                return
            buffer = self._buffers.get(sock, b"") + data
            while len(buffer) >= 2 and len(buffer) >= 2 + int.from_bytes(buffer[:2], "big"):
                size = int.from_bytes(buffer[:2], "big")
                answer = self._answer(buffer[2:2 + size])
                buffer = buffer[2 + size:]
                if answer is not None:
                    sock.sendall(len(answer).to_bytes(2, "big") + answer)
            self._buffers[sock] = buffer

"""The test lab itself works: every record type, the hostile DNS servers, the
web servers and their certificates, the blackhole, the refused address and
slow drips, all through setupwizard.net.Network (tests/lab/README.md)."""

from __future__ import annotations

import ipaddress
import json
import os
import socket

import pytest

from setupwizard.errors import ConnectError, DNSError, NetTimeout, TLSError
from tests.lab import Lab, LabSetupError
from tests.lab.scenarios.labself import TRICKY_TXT
from tests.lab.spec import CNAME, A, Route

D = "labself.test"


@pytest.fixture(scope="module")
def net(lab):
    return lab.network(timeout=2)


def addresses(answer) -> list[str]:
    return sorted(r.address for r in answer.records)


# -- where things are -----------------------------------------------------------

def test_addresses_are_in_one_random_loopback_slash_24(lab):
    web = ipaddress.IPv4Address(lab.ip("web"))
    assert web in ipaddress.IPv4Network("127.0.0.0/8")
    assert 100 <= web.packed[1] <= 250
    prefix = lab.ip("web").rsplit(".", 1)[0]
    expected = {"web": 1, "web-untrusted": 2, "web-wrongname": 3, "blackhole": 4,
                "refused": 5, "dns": 53, "dns-servfail": 54, "dns-refused": 55,
                "dns-silent": 56}
    for name, number in expected.items():
        assert lab.ip(name) == f"{prefix}.{number}"
    assert lab.dns == (lab.ip("dns"), 53)
    assert lab.dns_server("dns-silent") == (lab.ip("dns-silent"), 53)
    with pytest.raises(KeyError):
        lab.ip("nonsense")


def test_cli_args_and_ispdb_url(lab):
    assert lab.cli_args == ["--dns-server", f"{lab.ip('dns')}:53", "--ca-file", lab.ca_file,
                            "--ispdb-url", "https://ispdb.lab.test/v1.1/"]
    assert lab.ispdb_url == "https://ispdb.lab.test/v1.1/"
    with open(lab.ca_file) as pem:
        assert "BEGIN CERTIFICATE" in pem.read()


# -- DNS ------------------------------------------------------------------------

def test_a_records_symbolic_literal_and_several(lab, net):
    assert addresses(net.query(f"www.{D}", "A")) == [lab.ip("web")]
    assert addresses(net.query(f"multi.{D}", "A")) == ["127.0.0.1", "127.0.0.2"]
    assert addresses(net.query(f"imap.{D}", "A")) == ["127.0.0.1"]
    assert addresses(net.query("ispdb.lab.test", "A")) == [lab.ip("web")]
    assert addresses(net.query("blackhole.lab.test", "A")) == [lab.ip("blackhole")]


def test_aaaa_record(net):
    assert addresses(net.query(f"multi.{D}", "AAAA")) == ["::1"]
    found = net.resolve_host(f"multi.{D}")
    assert found[0] == "::1" and sorted(found[1:]) == ["127.0.0.1", "127.0.0.2"]


def test_cname_record(lab, net):
    [alias] = net.query(f"alias.{D}", "CNAME").records
    assert alias.target.to_text() == f"www.{D}."
    # asking for A follows the alias
    assert addresses(net.query(f"alias.{D}", "A")) == [lab.ip("web")]


def test_mx_records(net):
    mx = sorted((r.preference, r.exchange.to_text()) for r in net.query(D, "MX").records)
    assert mx == [(10, f"mx1.{D}."), (20, f"mx2.{D}.")]


def test_srv_record(net):
    [srv] = net.query(f"_imaps._tcp.{D}", "SRV").records
    assert (srv.priority, srv.weight, srv.port, srv.target.to_text()) == \
        (0, 1, 993, f"imap.{D}.")


def test_srv_dot_means_service_not_offered(net):
    [srv] = net.query(f"_pop3._tcp.{D}", "SRV").records
    assert srv.target.to_text() == "."
    assert (srv.priority, srv.weight, srv.port) == (0, 0, 0)


def test_txt_records(net):
    assert [r.strings for r in net.query(D, "TXT").records] == [(b"v=spf1 -all",)]
    assert [r.strings for r in net.query(f"tricky.{D}", "TXT").records] == \
        [(TRICKY_TXT.encode(),)]
    assert [r.strings for r in net.query(f"multi.{D}", "TXT").records] == \
        [(b"first", b"second")]
    [long] = net.query(f"long.{D}", "TXT").records
    assert b"".join(long.strings) == b"a" * 300


def test_unknown_test_name_is_nxdomain(net):
    with pytest.raises(DNSError) as caught:
        net.query(f"nothing-here.{D}", "A")
    assert caught.value.kind == "nxdomain"
    with pytest.raises(DNSError) as caught:
        net.resolve_host("never-declared.test")
    assert caught.value.kind == "nxdomain"


def test_known_name_without_that_type_is_empty(net):
    assert net.query(f"www.{D}", "MX").records == ()


@pytest.mark.parametrize("server, kind", [("dns-servfail", "servfail"),
                                          ("dns-refused", "refused"),
                                          ("dns-silent", "timeout")])
def test_hostile_dns_servers(lab, server, kind):
    net = lab.network(timeout=0.5, dns_server=server)
    with pytest.raises(DNSError) as caught:
        net.query(f"www.{D}", "A")
    assert caught.value.kind == kind


@pytest.mark.parametrize("server", ["dns-servfail", "dns-refused"])
def test_hostile_dns_servers_answer_tcp_too(lab, server):
    import dns.message
    import dns.query
    import dns.rcode
    ip, port = lab.dns_server(server)
    response = dns.query.tcp(dns.message.make_query("x.test", "A"), ip, port=port, timeout=1)
    assert dns.rcode.to_text(response.rcode()) == server.split("-")[1].upper()


# -- web ------------------------------------------------------------------------

def test_https_route_with_the_lab_ca(lab, net):
    response = net.http("GET", f"https://www.{D}/hello?x=1")
    assert (response.status, response.body) == (200, b"hello lab\n")
    assert response.content_type == "text/plain"
    [seen] = [r for r in lab.requests_seen(host=f"www.{D}", path="/hello")
              if r.query == {"x": "1"}]
    assert (seen.method, seen.scheme, seen.server) == ("GET", "https", "web")
    assert seen.headers["user-agent"].startswith("setupwizard/")


def test_handler_sees_the_request(net):
    response = net.http("POST", f"https://www.{D}/echo?a=1&b=two", data=b"payload")
    assert response.headers["x-lab"] == "echo"
    echoed = json.loads(response.body)
    assert echoed == {"method": "POST", "scheme": "https", "host": f"www.{D}",
                      "path": "/echo", "query": {"a": "1", "b": "two"},
                      "body": "payload", "user_agent": echoed["user_agent"]}


def test_plain_http_scheme_and_method_filters(net):
    assert net.http("GET", f"http://www.{D}/plain-only", redirect_policy=None).body == \
        b"http only"
    assert net.http("GET", f"https://www.{D}/plain-only").status == 404
    assert net.http("GET", f"https://www.{D}/post-only").status == 404
    assert net.http("POST", f"https://www.{D}/post-only", data=b"").body == b"posted"
    assert net.http("GET", f"https://www.{D}/nowhere").status == 404


def test_redirect_route(net):
    response = net.http("GET", f"https://www.{D}/moved")
    assert response.body == b"hello lab\n"
    assert response.redirects == (f"https://www.{D}/moved",)


def test_untrusted_certificate_is_a_tls_error(lab, net):
    with pytest.raises(TLSError):
        net.http("GET", f"https://untrusted.{D}/hello")
    assert lab.requests_seen(host=f"untrusted.{D}") == []


def test_wrong_name_certificate_is_a_tls_error(lab, net):
    with pytest.raises(TLSError):
        net.http("GET", f"https://wrongname.{D}/hello")
    assert lab.requests_seen(host=f"wrongname.{D}") == []
    # the certificate is fine for the name it was made for
    assert net.http("GET", "https://wrong-name.test/").status == 404


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_blackhole_times_out(lab, scheme):
    net = lab.network(timeout=0.5)
    with pytest.raises(NetTimeout):
        net.http("GET", f"{scheme}://blackhole.{D}/")


def test_blackhole_accepts_on_mail_ports_and_never_fills_up(lab):
    socks = []
    try:
        for _ in range(300):  # more than any listen backlog
            for port in (993, 143):
                socks.append(socket.create_connection((lab.ip("blackhole"), port), timeout=1))
        socks[-1].settimeout(0.2)
        with pytest.raises(socket.timeout):
            socks[-1].recv(1)
    finally:
        for sock in socks:
            sock.close()


def test_refused_address_refuses_at_once(lab):
    net = lab.network(timeout=2)
    with pytest.raises(ConnectError):
        net.http("GET", f"https://refused.{D}/")
    from setupwizard.net.tcp import open_stream
    with pytest.raises(ConnectError):
        net.run(open_stream("refused", lab.ip("refused"), 993, timeout=2))


def test_drip_reply_trips_the_total_deadline(lab):
    net = lab.network(timeout=0.5)  # every byte comes in time; the whole does not
    with pytest.raises(NetTimeout):
        net.http("GET", f"https://www.{D}/drip")


# -- the lab's own life cycle --------------------------------------------------

def test_a_second_lab_starts_fast_and_stops_cleanly(lab):
    extra = Lab([A("only.extra.test", "web")], [Route("only.extra.test", "/", body=b"x")])
    extra.start()
    try:
        assert extra.ip("web") != lab.ip("web")
        pid = extra.dnsmasq_pid
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            assert cmdline.read().startswith(b"/usr/sbin/dnsmasq")
        net = extra.network(timeout=2)
        assert net.http("GET", "https://only.extra.test/").body == b"x"
        folder = extra.folder
    finally:
        extra.stop()
    assert not os.path.exists(f"/proc/{pid}")  # stopped and reaped
    assert not os.path.exists(folder)
    assert extra.dnsmasq_pid is None
    extra.stop()  # twice is harmless


def test_conflicting_declarations_are_refused():
    with pytest.raises(LabSetupError):
        Lab(http=[Route("c.test", "/x", body=b"a"), Route("c.test", "/x", body=b"b")])
    with pytest.raises(LabSetupError):
        Lab(dns=[CNAME("c.test", "d.test"), A("c.test", "web")])
    # identical declarations from two files are merged, different schemes coexist
    Lab(http=[Route("c.test", "/x", body=b"a"), Route("c.test", "/x", body=b"a"),
              Route("d.test", "/x", scheme="http"), Route("d.test", "/x", scheme="https")])

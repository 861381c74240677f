"""Benchmark: probing every server and every address at once.

Target (from the issue): "Diagnosing IMAP, POP3 and SMTP with two addresses
each, one blackholed: at most 1.2x the slowest single probe." (The same
probes one after another are measured in the same run, for comparison.)

The lab name ``healthy.mail.test`` gets two A records here: the healthy Dovecot and
the blackhole (which accepts on the mail ports and never answers). IMAP
(993), POP3 (995) and SMTP (465) are diagnosed with a login, timeout 1.5 s.
So there are six probes; the three on the blackhole each cost one timeout.

Measured interleaved, each with a fresh Network:

* single:     each of the six probes alone (engine.Probe.run on the
              network's loop), the slowest
              one is the reference;
* concurrent: ``setupwizard.diagnostics.diagnose`` with all three servers;
* sequential: the six probes one after another.

Exit status 1 when concurrent/slowest > 1.2 (sequential/concurrent is
reported).
"""

from __future__ import annotations

import time

import _common as c
from setupwizard.diagnostics import ProbeOptions, diagnose
from setupwizard.diagnostics.connection import Transcript
from setupwizard.diagnostics.engine import LoginClaim, Probe
from setupwizard.diagnostics.protocols import Credentials
from setupwizard.models import Server
from setupwizard.net import Deadline, NetOptions, Network
from tests.lab import Lab
from tests.lab.spec import A

HOST = "healthy.mail.test"  # the name the healthy Dovecot certificate is for
USER, PASSWORD = "alice@lab.test", "Canary-Pw-7f3a9c"
TIMEOUT = 1.5
MAX_RATIO = 1.2
SERVERS = [Server("imap", HOST, 993, "tls"), Server("pop3", HOST, 995, "tls"),
           Server("smtp", HOST, 465, "tls")]


def build_lab() -> Lab:
    return Lab(dns=[A(HOST, "mail-healthy"), A(HOST, "blackhole")])


def network(lab: Lab) -> Network:
    return Network(NetOptions(dns_servers=(lab.dns,), ca_file=lab.ca_file, timeout=TIMEOUT))


def options() -> ProbeOptions:
    return ProbeOptions(login=True)


def probe(lab: Lab, server: Server, address: str) -> tuple[float, list]:
    net = network(lab)
    start = time.perf_counter()
    try:
        checks = net.run(Probe(server, address, network=net,
                               credentials=Credentials(USER, PASSWORD), options=options(),
                               transcript=Transcript(enabled=False), claim=LoginClaim([address]),
                               deadline=Deadline(net.timeouts.diagnose)).run())
        return time.perf_counter() - start, checks
    finally:
        net.close()


def measure(args) -> c.Result:
    lab = build_lab().start()
    try:
        healthy = lab.mail("healthy")
        addresses = [healthy.ip, lab.ip("blackhole")]
        singles, concurrent, sequential = [], [], []
        for _ in range(args.repeat):
            times = [probe(lab, s, a)[0] for s in SERVERS for a in addresses]
            singles.append(max(times))
            sequential.append(sum(times))
            net = network(lab)
            start = time.perf_counter()
            try:
                report = diagnose(USER, SERVERS, network=net, password=PASSWORD,
                                  options=options())
                concurrent.append(time.perf_counter() - start)
            finally:
                net.close()
            logins = sum(1 for ch in report.checks if ch.id == "login.ok")
            if logins != 3:
                raise RuntimeError(f"expected 3 logins, got {logins}: {report.verdict}")
        slowest, together, one_by_one = (c.median(singles), c.median(concurrent),
                                         c.median(sequential))
        result = c.Result(name="diagnose", target="IMAP+POP3+SMTP, two addresses each, one "
                          "blackholed: wall time <= 1.2x the slowest single probe")
        result.measured = [
            f"slowest single probe (a blackholed one): {c.fmt(c.ms(slowest), 'ms')}",
            f"all six probes at once (diagnose): {c.fmt(c.ms(together), 'ms')}",
            f"the same six probes one after another: {c.fmt(c.ms(one_by_one), 'ms')}",
        ]
        result.checks = [
            c.Check("concurrent / slowest single probe", together / slowest, "<=", MAX_RATIO),
        ]
        result.notes = [f"sequential / concurrent = {one_by_one / together:.2f}x "
                        f"(medians of {args.repeat})"]
        return result
    finally:
        lab.stop()


if __name__ == "__main__":
    c.main(measure, __doc__.splitlines()[0], repeat=3)

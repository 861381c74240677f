"""Benchmark: a cold ``setupwizard discover --json`` against a minimal script.

Target (issue 10): "Cold discovery, instant autoconfig over HTTPS (lab):
whole `setupwizard discover --json` process at most 0.25 s, and at most
2.0x a minimal script in the same venv that starts Python, imports the same
HTTP client and DNS library and fetches the same URL once (measured side by
side)." Also, for the racing case: "autoconfig answers after 300 ms while
well-known, ISPDB, autodiscover and plain http hang: process wall at most
1.15x (answering source's own time + Python start-up)" and cancellation:
"the process has exited within 100 ms of printing" the winner.

Lab domains:

* ``cold.test``: ``https://autoconfig.cold.test/...`` answers at once; the
  other sources find nothing (NXDOMAIN), so autoconfig wins as soon as the
  providers database said no.
* ``late.test``: autoconfig answers after 300 ms; well-known, autodiscover,
  the ISPDB host and the plain-http URL hang (lab blackhole, or a handler
  sleeping past the timeout).

Measured, interleaved, whole processes (medians):

* ``tool``: ``python -m setupwizard discover --json alice@cold.test <lab>``;
* ``minimal``: the same interpreter runs a script that imports httpx and
  dnspython's asyncio resolver, resolves the name with the lab DNS server
  and fetches the same autoconfig URL once over HTTPS with the lab CA;
* ``late``: the tool on late.test, against the answering source's own time
  (the minimal script fetching the late URL) - the racing ratio;
* ``exit``: for late.test, the time from the JSON line appearing on the
  pipe to the process having exited.
"""

from __future__ import annotations

import os
import resource
import subprocess
import time

import _common as c
from tests.lab import Lab
from tests.lab.scenarios.discovery import config_xml
from tests.lab.spec import A, Reply, Route

TIMEOUT = 2
AC = "/mail/config-v1.1.xml"
MAX_COLD_S = 0.25
MAX_COLD_RATIO = 2.0
MAX_RACE_RATIO = 1.15
MAX_EXIT_MS = 100.0
LATE = 0.3

MINIMAL = r'''
import asyncio, ssl, sys
import httpx
import dns.asyncresolver
host, path, dns_ip, dns_port, ca = sys.argv[1:6]
async def main():
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [dns_ip]
    resolver.port = int(dns_port)
    ip = (await resolver.resolve(host, "A"))[0].address
    context = ssl.create_default_context()
    context.load_verify_locations(ca)
    async with httpx.AsyncClient(verify=context) as client:
        response = await client.get(f"https://{ip}{path}", headers={"Host": host},
                                    extensions={"sni_hostname": host})
        print(response.status_code)
asyncio.run(main())
'''


def _late(request) -> Reply:
    time.sleep(LATE)
    return Reply(body=config_xml("late.test"), content_type="text/xml")


def _hang(request) -> Reply:
    time.sleep(TIMEOUT + 1.0)
    return Reply(404, body=b"late\n", content_type="text/plain")


def build_lab() -> Lab:
    dns = [A("autoconfig.cold.test", "web"),
           A("autoconfig.late.test", "web"), A("late.test", "blackhole"),
           A("autodiscover.late.test", "blackhole")]
    http = [Route("autoconfig.cold.test", AC, body=config_xml("cold.test"),
                  content_type="text/xml", scheme="https"),
            Route("autoconfig.late.test", AC, handler=_late, scheme="https"),
            Route("autoconfig.late.test", AC, handler=_hang, scheme="http"),
            Route("ispdb.lab.test", "/v1.1/late.test", handler=_hang)]
    return Lab(dns=dns, http=http)


def env() -> dict:
    return c.child_env()


#: user+system CPU seconds of the cold.test children, by kind (for the notes)
CPU: dict[str, list[float]] = {"tool": [], "minimal": []}


def tool(lab: Lab, address: str) -> tuple[float, float]:
    """(wall seconds, seconds from the output line to the exit)."""
    cmd = [c.PYTHON, "-m", "setupwizard", "discover", "--json", address, *lab.cli_args,
           "--timeout", str(TIMEOUT)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, env=env())
    line = proc.stdout.readline()
    printed = time.perf_counter()
    _, status, usage = os.wait4(proc.pid, 0)
    ended = time.perf_counter()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if address == "alice@cold.test":
        CPU["tool"].append(usage.ru_utime + usage.ru_stime)
    if b'"autoconfig"' not in line:
        raise RuntimeError(f"unexpected answer: {line[:200]!r}")
    return ended - start, ended - printed


def minimal(lab: Lab, host: str) -> float:
    ip, port = lab.dns
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen([c.PYTHON, "-c", MINIMAL, host, AC, ip, str(port), lab.ca_file],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
    stdout, stderr = proc.communicate()
    elapsed = time.perf_counter() - start
    if stdout.strip() != "200":
        raise RuntimeError(f"minimal script failed: {stderr[-500:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if host.startswith("autoconfig.cold."):  # the difference is this child's
        CPU["minimal"].append(after.ru_utime + after.ru_stime
                              - before.ru_utime - before.ru_stime)
    return elapsed


def python_pass() -> float:
    start = time.perf_counter()
    subprocess.run([c.PYTHON, "-c", "pass"], env=env(), check=True)
    return time.perf_counter() - start


def measure(args) -> c.Result:
    result = c.Result("cold", "cold discover <= 0.25 s and <= 2.0x a minimal httpx+dnspython "
                              "fetch; racing <= 1.15x the answering source; exit <= 100 ms "
                              "after the answer")
    with build_lab() as lab:
        for _ in range(2):  # warm the page cache and the lab
            tool(lab, "alice@cold.test")
            minimal(lab, "autoconfig.cold.test")
        cold, mini, late, late_alone, exits, bare = [], [], [], [], [], []

        def run_late() -> None:
            wall, exit_after = tool(lab, "alice@late.test")
            late.append(wall)
            exits.append(exit_after)

        steps = [lambda: cold.append(tool(lab, "alice@cold.test")[0]),
                 lambda: mini.append(minimal(lab, "autoconfig.cold.test")),
                 run_late,
                 lambda: late_alone.append(minimal(lab, "autoconfig.late.test"))]
        for i in range(args.repeat):  # interleaved; the order rotates every round
            for step in steps[i % 4:] + steps[:i % 4]:
                step()
            bare.append(python_pass())
    m_cold, m_mini, m_bare = c.median(cold), c.median(mini), c.median(bare)
    m_late, m_alone, m_exit = c.median(late), c.median(late_alone), c.median(exits)
    result.measured += [
        f"cold discover --json (instant autoconfig): median {c.ms(m_cold):.0f} ms; minimal "
        f"script: {c.ms(m_mini):.0f} ms ({args.repeat} alternating runs each)",
        f"racing (autoconfig after {LATE * 1000:.0f} ms, the rest hang): median "
        f"{c.ms(m_late):.0f} ms; the answering source alone (minimal script): "
        f"{c.ms(m_alone):.0f} ms",
        f"from the answer on the pipe to the process's exit: median {c.ms(m_exit):.0f} ms",
    ]
    result.notes.append(
        f"python -c pass in the same venv: {c.ms(m_bare):.0f} ms (median of {args.repeat}); "
        f"cold discover minus that: {c.ms(m_cold - m_bare):.0f} ms, minimal script minus "
        f"that: {c.ms(m_mini - m_bare):.0f} ms")
    result.notes.append(
        f"CPU (user+system) of the cold processes: tool {c.ms(c.median(CPU['tool'])):.0f} ms, "
        f"minimal script {c.ms(c.median(CPU['minimal'])):.0f} ms (medians): the wall times "
        "above include waiting for the 2 shared cores")
    result.checks += [
        c.Check("cold discover", m_cold, "<=", MAX_COLD_S, "s"),
        c.Check("cold discover / minimal script", m_cold / m_mini, "<=", MAX_COLD_RATIO),
        c.Check("racing / answering source alone", m_late / m_alone, "<=", MAX_RACE_RATIO),
        c.Check("exit after the answer", c.ms(m_exit), "<=", MAX_EXIT_MS, "ms"),
    ]
    return result


if __name__ == "__main__":
    c.main(measure, __doc__.splitlines()[0], repeat=9)

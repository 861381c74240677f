"""Benchmark: batches of addresses through the real command line.

Targets (issue 10): "Distinct domains: 1,000 addresses each at its own
domain, all sources, `--json` from stdin: at least 150 addresses/s on 2
cores and at least 0.5x the `--only ispdb` rate on the same addresses in the
same run; peak RSS under 200 MB." and "Shared domains: 1,000 addresses at
50 domains: at least 1,000 addresses/s."

A lab with ISPDB entries (``https://ispdb.lab.test/v1.1/<domain>``) for
1,000 domains ``solo<i>.test`` and 50 domains ``bulk<i>.test``; nothing else
is known about them, so ``autoconfig`` and ``well-known`` (ranked above the
ISPDB) end with NXDOMAIN and the ISPDB answer wins; the lower-ranked sources
are cancelled.

Three batches, interleaved (the order rotates from round to round), each
through the real command

    .venv/bin/python -m setupwizard discover - --json <lab args> --timeout 2

with the addresses on standard input:

* ``distinct``: ``user<i>@solo<i>.test``, all sources - nothing can be shared;
* ``distinct --only ispdb``: the same addresses, the ISPDB alone - the floor
  for one HTTPS request per address (the 0.5x comparison);
* ``shared``: ``user<i>@bulk<i % 50>.test``, all sources.

Every output line must parse as JSON, be for the right address (input
order) and name incoming servers from the ``ispdb`` source. Measured: the
wall time of the whole command (interpreter start, provider database,
everything) -> addresses per second; the child's peak resident memory
(``ru_maxrss`` from ``wait4``); and, for the record, how much CPU the tool,
the lab's web server (a Python thread server inside this benchmark's
process) and dnsmasq used, since all three share the 2 cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time

import _common as c
from tests.lab import Lab
from tests.lab.scenarios.discovery import config_xml  # the lab's clientConfig
from tests.lab.spec import Route

DOMAINS = 50          # shared: the addresses are spread over this many domains
ADDRESSES = 1000
TIMEOUT = 2
MIN_DISTINCT_RATE = 150.0   # addresses per second
MIN_DISTINCT_VS_ISPDB = 0.5
MIN_SHARED_RATE = 1000.0
MAX_RSS_MB = 200.0


def build_lab(count: int = ADDRESSES) -> Lab:
    routes = [Route("ispdb.lab.test", f"/v1.1/bulk{i}.test", body=config_xml(f"bulk{i}.test"),
                    content_type="text/xml") for i in range(DOMAINS)]
    routes += [Route("ispdb.lab.test", f"/v1.1/solo{i}.test", body=config_xml(f"solo{i}.test"),
                     content_type="text/xml") for i in range(count)]
    return Lab(http=routes)


def solo_addresses(count: int = ADDRESSES) -> list[str]:
    return [f"user{i}@solo{i}.test" for i in range(count)]


def addresses(count: int = ADDRESSES) -> list[str]:
    return [f"user{i}@bulk{i % DOMAINS}.test" for i in range(count)]


def run_batch(lab: Lab, lines: list[str], extra_args: tuple[str, ...] = ()) -> dict:
    """Run the command once; return wall time, child rusage and output lines."""
    command = [c.PYTHON, "-m", "setupwizard", "discover", "-", "--json", *lab.cli_args,
               "--timeout", str(TIMEOUT), *extra_args]
    stdin = ("\n".join(lines) + "\n").encode()
    out: list[bytes] = []
    err: list[bytes] = []
    first_line_at: list[float] = []
    dnsmasq_before = c.cpu_seconds_of(lab.dnsmasq_pid)
    self_before = time.process_time()
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=c.ROOT, stdin=subprocess.PIPE, env=c.child_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def feed() -> None:
        try:
            child.stdin.write(stdin)
        finally:
            child.stdin.close()

    def read_out() -> None:
        for line in child.stdout:
            if not first_line_at:
                first_line_at.append(time.perf_counter())
            out.append(line)

    def read_err() -> None:
        err.append(child.stderr.read())

    workers = [threading.Thread(target=f, daemon=True) for f in (feed, read_out, read_err)]
    for worker in workers:
        worker.start()
    # wait4 gives this child's own rusage (peak RSS, CPU), not all children's
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    for worker in workers:
        worker.join()
    return {
        "wall": wall,
        "first_line": (first_line_at[0] - start) if first_line_at else None,
        "exit": child.returncode,
        "maxrss_mb": usage.ru_maxrss / 1024,  # kB on Linux
        "tool_cpu": usage.ru_utime + usage.ru_stime,
        "lab_cpu": time.process_time() - self_before,   # the web server threads, mostly
        "dnsmasq_cpu": c.cpu_seconds_of(lab.dnsmasq_pid) - dnsmasq_before,
        "lines": [line.decode() for line in out],
        "stderr": b"".join(err).decode(errors="replace"),
    }


def check_output(lines: list[str], run: dict) -> None:
    """Raise unless every address got one JSON line with ISPDB servers."""
    if run["exit"] != 0:
        raise RuntimeError(f"exit status {run['exit']}; stderr: {run['stderr'][-2000:]}")
    if len(run["lines"]) != len(lines):
        raise RuntimeError(f"{len(run['lines'])} output lines for {len(lines)} addresses; "
                           f"stderr: {run['stderr'][-2000:]}")
    for expected, raw in zip(lines, run["lines"]):
        data = json.loads(raw)
        if data["address"] != expected:
            raise RuntimeError(f"out of order: {data['address']} where {expected} was due")
        if data.get("source") != "ispdb" or not data.get("incoming") \
                or any(s.get("source", "ispdb") != "ispdb" for s in data["incoming"]):
            raise RuntimeError(f"no ISPDB answer for {expected}: {raw[:500]}")


def summarise(runs: list[dict], count: int) -> dict:
    wall = c.median(r["wall"] for r in runs)
    first = c.median(r["first_line"] for r in runs)
    return {
        "wall": wall, "rate": count / wall, "first": first,
        "steady": (count - 1) / max(wall - first, 1e-9),
        "rss": max(r["maxrss_mb"] for r in runs),
        "tool_cpu": c.median(r["tool_cpu"] for r in runs),
        "lab_cpu": c.median(r["lab_cpu"] for r in runs),
        "dns_cpu": c.median(r["dnsmasq_cpu"] for r in runs),
    }


def measure(args) -> c.Result:
    solo, bulk = solo_addresses(args.addresses), addresses(args.addresses)
    variants = {
        "distinct": (solo, ()),
        "distinct --only ispdb": (solo, ("--only", "ispdb")),
        "shared": (bulk, ()),
    }
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    names = list(variants)
    with build_lab(args.addresses) as lab:
        print(f"lab on {lab.prefix}.0/24 with {args.addresses + DOMAINS} ISPDB domains; "
              f"{args.addresses} addresses per run", flush=True)
        for name in names:  # warm-up: page cache, .pyc files, the lab's threads
            run_batch(lab, variants[name][0][:50], variants[name][1])
        for i in range(args.repeat):
            for name in names[i % 3:] + names[:i % 3]:
                lines, extra = variants[name]
                run = run_batch(lab, lines, extra)
                check_output(lines, run)
                runs[name].append(run)
                print(f"  run {i + 1}/{args.repeat} ({name}): {run['wall']:.2f} s "
                      f"({len(lines) / run['wall']:.0f} addr/s), peak RSS "
                      f"{run['maxrss_mb']:.0f} MB, CPU: tool {run['tool_cpu']:.2f} s, "
                      f"lab web {run['lab_cpu']:.2f} s, dnsmasq {run['dnsmasq_cpu']:.2f} s",
                      flush=True)
    count = args.addresses
    got = {name: summarise(runs[name], count) for name in names}
    distinct, ispdb, shared = got["distinct"], got["distinct --only ispdb"], got["shared"]
    result = c.Result(name="batch",
                      target=f"distinct domains >= {MIN_DISTINCT_RATE:.0f} addr/s and >= "
                             f"{MIN_DISTINCT_VS_ISPDB}x --only ispdb, peak RSS < "
                             f"{MAX_RSS_MB:.0f} MB; shared domains >= "
                             f"{MIN_SHARED_RATE:.0f} addr/s")
    for name in names:
        g = got[name]
        result.measured.append(
            f"{name}: {count} addresses, median wall {g['wall']:.2f} s = {g['rate']:.0f} "
            f"addresses/s (first line after {g['first'] * 1000:.0f} ms; {g['steady']:.0f}/s "
            f"after it); CPU: tool {g['tool_cpu']:.2f} s "
            f"({g['tool_cpu'] / count * 1000:.2f} ms per address), lab web server "
            f"{g['lab_cpu']:.2f} s, dnsmasq {g['dns_cpu']:.2f} s; peak RSS {g['rss']:.0f} MB")
    result.notes.append(f"medians of {args.repeat} rounds on {os.cpu_count()} cores; the lab's "
                        "web server and dnsmasq share the cores with the tool")
    result.checks = [
        c.Check("distinct domains", distinct["rate"], ">=", MIN_DISTINCT_RATE, unit="addr/s"),
        c.Check("distinct / --only ispdb", distinct["rate"] / ispdb["rate"], ">=",
                MIN_DISTINCT_VS_ISPDB),
        c.Check("peak RSS", max(g["rss"] for g in got.values()), "<", MAX_RSS_MB, unit="MB"),
        c.Check("shared domains", shared["rate"], ">=", MIN_SHARED_RATE, unit="addr/s"),
    ]
    return result


def _extra(parser) -> None:
    parser.add_argument("--addresses", type=int, default=ADDRESSES,
                        help=f"addresses per run (default {ADDRESSES})")


if __name__ == "__main__":
    c.main(measure, __doc__.split("\n")[0], repeat=3, extra=_extra)

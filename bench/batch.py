"""Benchmark: a batch of addresses through the real command line.

Target (from the issue): "1,000 addresses from standard input with --json
against the lab ISPDB: at least 100 addresses per second on this 2-core
machine, peak memory under 200 MB."

A lab with ISPDB entries (``https://ispdb.lab.test/v1.1/<domain>``) for 50
domains ``bulk0.test`` .. ``bulk49.test``; nothing else is known about them,
so ``autoconfig`` and ``well-known`` (ranked above the ISPDB) end with
NXDOMAIN and the ISPDB answer wins; the lower-ranked sources are cancelled.
All sources run (no ``--only``): this is what a user's batch costs.

1,000 addresses ``user<i>@bulk<i % 50>.test`` go to the real command

    .venv/bin/python -m setupwizard discover - --json <lab args> --timeout 2

on standard input. Every output line must parse as JSON, be for the right
address (input order) and name incoming servers from the ``ispdb`` source.

Measured: the wall time of the whole command (interpreter start, provider
database, everything) -> addresses per second; the child's peak resident
memory (``ru_maxrss`` from ``wait4``); and, for the record, how much CPU
the tool, the lab's web server (a Python thread server inside this
benchmark's process) and dnsmasq used, since all three share the 2 cores.

Exit status 1 when under 100 addresses/s or at or over 200 MB.
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

DOMAINS = 50
ADDRESSES = 1000
TIMEOUT = 2
MIN_RATE = 100.0     # addresses per second
MAX_RSS_MB = 200.0




SOLO = 200  # informative run: every address at a domain of its own


def build_lab() -> Lab:
    routes = [Route("ispdb.lab.test", f"/v1.1/bulk{i}.test", body=config_xml(f"bulk{i}.test"),
                    content_type="text/xml") for i in range(DOMAINS)]
    routes += [Route("ispdb.lab.test", f"/v1.1/solo{i}.test", body=config_xml(f"solo{i}.test"),
                     content_type="text/xml") for i in range(SOLO)]
    return Lab(http=routes)


def solo_addresses() -> list[str]:
    return [f"user{i}@solo{i}.test" for i in range(SOLO)]


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
    child = subprocess.Popen(command, cwd=c.ROOT, stdin=subprocess.PIPE,
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
    lines = addresses(args.addresses)
    variants = {"all sources": ()}
    if args.only:
        variants = {f"--only {args.only}": ("--only", args.only)}
    if not args.no_reference:
        # for comparison, not a target: the same batch asking the ISPDB alone
        variants.setdefault("--only ispdb", ("--only", "ispdb"))
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    with build_lab() as lab:
        print(f"lab on {lab.prefix}.0/24 with {DOMAINS} ISPDB domains; "
              f"{len(lines)} addresses per run", flush=True)
        for i in range(args.repeat):
            for name, extra in variants.items():
                run = run_batch(lab, lines, extra)
                check_output(lines, run)
                runs[name].append(run)
                print(f"  run {i + 1}/{args.repeat} ({name}): {run['wall']:.2f} s "
                      f"({len(lines) / run['wall']:.0f} addr/s), peak RSS "
                      f"{run['maxrss_mb']:.0f} MB, CPU: tool {run['tool_cpu']:.2f} s, "
                      f"lab web {run['lab_cpu']:.2f} s, dnsmasq {run['dnsmasq_cpu']:.2f} s",
                      flush=True)
        # not a target: no two addresses share a domain, so nothing is shared
        solo = solo_addresses()
        solo_runs = []
        for _ in range(args.repeat):
            run = run_batch(lab, solo, ())
            check_output(solo, run)
            solo_runs.append(run)
    target_name = next(iter(variants))
    main = summarise(runs[target_name], len(lines))
    result = c.Result(name="batch",
                      target=f">= {MIN_RATE:.0f} addresses/s, peak RSS < {MAX_RSS_MB:.0f} MB")
    result.measured = [
        f"{len(lines)} addresses, {DOMAINS} domains, {target_name}, --json: median wall "
        f"{main['wall']:.2f} s = {main['rate']:.0f} addresses/s (first line after "
        f"{main['first'] * 1000:.0f} ms; {main['steady']:.0f} addresses/s after it)",
        f"peak RSS of the command {main['rss']:.0f} MB (worst of {args.repeat} runs)",
        f"CPU per run (median): tool {main['tool_cpu']:.2f} s "
        f"({main['tool_cpu'] / len(lines) * 1000:.1f} ms per address), lab web server "
        f"{main['lab_cpu']:.2f} s, dnsmasq {main['dns_cpu']:.2f} s; wall {main['wall']:.2f} s "
        f"on {os.cpu_count()} cores",
    ]
    for name in list(variants)[1:]:
        ref = summarise(runs[name], len(lines))
        result.measured.append(
            f"for comparison, {name}: {ref['rate']:.0f} addresses/s, tool CPU "
            f"{ref['tool_cpu'] / len(lines) * 1000:.1f} ms per address, peak RSS "
            f"{ref['rss']:.0f} MB ({main['wall'] / ref['wall']:.1f}x faster than {target_name})")
    alone = summarise(solo_runs, len(solo))
    result.measured.append(
        f"for comparison, {len(solo)} addresses each at its own domain (no lookup shared): "
        f"{alone['rate']:.0f} addresses/s, tool CPU "
        f"{alone['tool_cpu'] / len(solo) * 1000:.1f} ms per address")
    result.checks = [
        c.Check("addresses/s", main["rate"], ">=", MIN_RATE, unit="addr/s"),
        c.Check("peak RSS", main["rss"], "<", MAX_RSS_MB, unit="MB"),
    ]
    return result


def _extra(parser) -> None:
    parser.add_argument("--addresses", type=int, default=ADDRESSES,
                        help=f"addresses per run (default {ADDRESSES})")
    parser.add_argument("--only", metavar="SOURCES",
                        help="measure the command with --only SOURCES instead of all sources")
    parser.add_argument("--no-reference", action="store_true",
                        help="skip the comparison run with --only ispdb")


if __name__ == "__main__":
    c.main(measure, __doc__.split("\n")[0], repeat=3, extra=_extra)

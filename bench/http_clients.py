"""Benchmark: which async HTTP client (issue 10, "Dependencies").

Not a target but a choice: httpx and aiohttp, each in a fresh process,

* import time: ``import httpx`` vs ``import aiohttp`` (medians of fresh
  processes, interleaved), and
* per-request CPU: the same 200 HTTPS GETs (one lab route, one keep-alive
  connection after the first, our TLS context with the lab CA) - process
  CPU time for the requests alone, divided by 200.

aiohttp is not a dependency of setupwizard: run this with an interpreter
that has both (``PYTHON=/path/to/python bench/http_clients.py``); without
aiohttp only httpx is measured. Exit status 0 when both were measured.
"""

from __future__ import annotations

import os
import subprocess
import sys

import _common as c

REQUESTS = 200

IMPORT = "import time; t = time.perf_counter(); import {module}; " \
         "print(time.perf_counter() - t)"

CLIENT = r'''
import asyncio, resource, ssl, sys
kind, url, ca, host, ip = sys.argv[1:6]
ctx = ssl.create_default_context(cafile=ca)
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
async def main():
    target = url.replace(host, ip)
    if kind == "httpx":
        import httpx
        async with httpx.AsyncClient(verify=ctx) as client:
            async def get():
                r = await client.get(target, headers={"Host": host},
                                     extensions={"sni_hostname": host})
                return r.status_code
            await get()
            start = cpu()
            for _ in range({n}):
                assert await get() == 200
            return cpu() - start
    import aiohttp
    class Resolver(aiohttp.abc.AbstractResolver):
        async def resolve(self, h, port=0, family=0):
            return [{"hostname": h, "host": ip, "port": port, "family": 2, "proto": 0,
                     "flags": 0}]
        async def close(self):
            pass
    connector = aiohttp.TCPConnector(ssl=ctx, resolver=Resolver())
    async with aiohttp.ClientSession(connector=connector) as session:
        async def get():
            async with session.get(url) as r:
                await r.read()
                return r.status
        await get()
        start = cpu()
        for _ in range({n}):
            assert await get() == 200
        return cpu() - start
print(asyncio.run(main()))
'''.replace("{n}", str(REQUESTS))


def measure(args) -> c.Result:
    from tests.lab import Lab
    from tests.lab.spec import A, Route
    python = os.environ.get("PYTHON", c.PYTHON)
    have_aiohttp = subprocess.run([python, "-c", "import aiohttp"],
                                  capture_output=True).returncode == 0
    kinds = ["httpx"] + (["aiohttp"] if have_aiohttp else [])
    result = c.Result("http_clients", "choose the async HTTP client: import time and "
                                      "CPU per request, httpx vs aiohttp")
    host = "bench-http.test"
    with Lab(dns=[A(host, "web")], http=[Route(host, "/x", body=b"x" * 900)]) as lab:
        url = f"https://{host}/x"
        ip = lab.ip("web")
        imports: dict[str, list[float]] = {k: [] for k in kinds}
        cpu: dict[str, list[float]] = {k: [] for k in kinds}
        for _ in range(args.repeat):
            for kind in kinds:
                out = subprocess.run([python, "-c", IMPORT.format(module=kind)], check=True,
                                     capture_output=True, text=True).stdout
                imports[kind].append(float(out))
                out = subprocess.run([python, "-c", CLIENT, kind, url, lab.ca_file, host, ip],
                                     check=True, capture_output=True, text=True).stdout
                cpu[kind].append(float(out) / REQUESTS)
    for kind in kinds:
        result.measured.append(f"{kind}: import {c.ms(c.median(imports[kind])):.0f} ms, "
                               f"{c.ms(c.median(cpu[kind])):.2f} ms CPU per HTTPS request "
                               f"(medians of {args.repeat} processes)")
    if have_aiohttp:
        ratio_import = c.median(imports["aiohttp"]) / c.median(imports["httpx"])
        ratio_cpu = c.median(cpu["httpx"]) / c.median(cpu["aiohttp"])
        result.checks.append(c.Check("aiohttp import / httpx import", ratio_import, ">=", 0))
        result.checks.append(c.Check("httpx CPU / aiohttp CPU per request", ratio_cpu, ">=", 0))
    else:
        result.notes.append("aiohttp is not installed here: only httpx was measured")
    return result


if __name__ == "__main__":
    c.main(measure, __doc__.splitlines()[0], repeat=5)

"""Benchmark: loading the bundled provider database in a fresh process.

Target (from the issue): loading the whole bundled provider database
(``setupwizard.providers.ProviderDatabase.load()``) in a fresh process must
cost under 50 ms.

Each measurement is a new ``.venv/bin/python`` process that imports
``setupwizard.providers`` (timed apart, not part of the target), then times
one ``ProviderDatabase.load()`` - the first, cold one, as every command
pays it - with ``time.perf_counter``. Median of 15 processes by default.

For scale, the same process then times a plain ``tomllib`` parse of every
provider file (the floor of a loader that reads the TOML files), so the
ratio load / parse is printed too; the target itself is the absolute 50 ms.
As in startup.py, the processes may use and write ``__pycache__``.

Exit status 1 when the median load is 50 ms or more.
"""

from __future__ import annotations

import json
import subprocess

import _common as c
from startup import child_env  # same environment rules

MAX_MS = 50.0

CHILD = r"""
import json, time
t0 = time.perf_counter()
from setupwizard.providers import ProviderDatabase, default_location
t1 = time.perf_counter()
db = ProviderDatabase.load()
t2 = time.perf_counter()
import tomllib
folder = default_location()
files = sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
t3 = time.perf_counter()
for f in files:
    tomllib.loads(f.read_bytes().decode("utf-8"))
t4 = time.perf_counter()
bundle = [f for f in folder.iterdir() if f.name.startswith("_bundle")]
print(json.dumps({"import_ms": (t1 - t0) * 1000, "load_ms": (t2 - t1) * 1000,
                  "parse_ms": (t4 - t3) * 1000, "providers": len(db), "files": len(files),
                  "bundle": [f.name for f in bundle]}))
"""


def one() -> dict:
    done = subprocess.run([c.PYTHON, "-c", CHILD], cwd=c.ROOT, env=child_env(bytecode=True),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the child failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(args) -> c.Result:
    one()  # warm-up: page cache, __pycache__
    runs = []
    for i in range(args.repeat):
        runs.append(one())
    load = c.median(r["load_ms"] for r in runs)
    parse = c.median(r["parse_ms"] for r in runs)
    imp = c.median(r["import_ms"] for r in runs)
    last = runs[-1]
    result = c.Result(name="providers_load", target=f"ProviderDatabase.load() < {MAX_MS:.0f} ms "
                                                    "in a fresh process")
    result.measured = [
        f"{last['providers']} providers from {last['files']} files"
        + (f" ({', '.join(last['bundle'])} present)" if last["bundle"] else " (no bundle file)"),
        f"median of {args.repeat} fresh processes: load {load:.1f} ms "
        f"(min {min(r['load_ms'] for r in runs):.1f}, max {max(r['load_ms'] for r in runs):.1f}); "
        f"importing setupwizard.providers before it {imp:.1f} ms (not counted)",
        f"for scale: plain tomllib parse of the same files {parse:.1f} ms "
        f"(load / parse = {load / parse:.2f}x)",
    ]
    result.checks = [c.Check("load", load, "<", MAX_MS, unit="ms")]
    return result


if __name__ == "__main__":
    c.main(measure, __doc__.split("\n")[0], repeat=15)

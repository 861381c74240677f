"""Run every benchmark in this folder and print a Markdown table of results.

    .venv/bin/python bench/run_all.py [NAME ...] [--markdown-only]

Each benchmark runs in its own process (as ``bench/NAME.py --json FILE``),
one after the other, with its output shown as it goes; then a table you
can paste into the README. Exit status 1 when any target is missed, 2 when
a benchmark could not run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _common as c  # noqa: E402

#: In the order they run (cheap ones first).
BENCHMARKS = ("startup", "providers_load", "cold", "diagnose", "wizard", "batch")


def run(name: str, quiet: bool) -> tuple[dict, float]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "result.json"
        start = time.monotonic()
        done = subprocess.run([c.PYTHON, str(HERE / f"{name}.py"), "--json", str(out)],
                              cwd=c.ROOT, stdout=subprocess.PIPE if quiet else None,
                              stderr=subprocess.STDOUT if quiet else None, text=True)
        seconds = time.monotonic() - start
        if out.exists():
            return json.loads(out.read_text()), seconds
        tail = (done.stdout or "")[-2000:] if quiet else ""
        return {"name": name, "error": f"exit status {done.returncode}, no result {tail}",
                "passed": False}, seconds


def table(results: list[dict]) -> str:
    lines = ["| benchmark | target | measured | result |", "|---|---|---|---|"]
    for r in results:
        if "error" in r:
            lines.append(f"| `{r['name']}` | | could not run: {r['error'][:120]} | **error** |")
            continue
        checks = "; ".join(f"{ch['label']} **{c.fmt(ch['value'], ch['unit'])}** "
                           f"(target {ch['op']} {c.fmt(ch['limit'], ch['unit'])})"
                           for ch in r["checks"])
        verdict = "pass" if r["passed"] else "**MISSED**"
        lines.append(f"| `{r['name']}` | {r['target']} | {checks} | {verdict} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run (default: all: {', '.join(BENCHMARKS)})")
    parser.add_argument("--markdown-only", action="store_true",
                        help="hide the benchmarks' own output; print only the table")
    args = parser.parse_args()
    names = args.names or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    results = []
    for name in names:
        if not args.markdown_only:
            print(f"\n=== bench/{name}.py", flush=True)
        result, seconds = run(name, args.markdown_only)
        result["seconds"] = seconds
        results.append(result)
    when = datetime.datetime.now().strftime("%Y-%m-%d")
    print(f"\nBenchmarks of {when} on {os.cpu_count()} cores, Python "
          f"{platform.python_version()} (`.venv/bin/python bench/run_all.py`):\n")
    print(table(results))
    details = [f"- `{r['name']}`: " + "; ".join(m.strip() for m in r.get("measured", [])[:4])
               for r in results if "error" not in r]
    print("\n" + "\n".join(details))
    if any("error" in r for r in results):
        return 2
    return 0 if all(r["passed"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

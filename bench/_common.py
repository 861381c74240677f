"""Shared helpers for the benchmarks in this folder (not a benchmark itself).

Every benchmark is a script with a ``measure(args) -> Result`` function;
:func:`main` gives it the same command line everywhere::

    .venv/bin/python bench/NAME.py [--repeat N] [--json FILE]

It prints a short human-readable report ending in one ``RESULT`` line and
exits 0 when the target is met, 1 when it is missed (2 when the benchmark
itself could not run). ``--json FILE`` also writes the result as JSON, which
``run_all.py`` turns into a Markdown table.

These machines are noisy (2 shared cores), so a benchmark never compares a
number with a fixed wall time measured elsewhere: it measures both sides of
each comparison in the same run, interleaved, and reports the ratio of
medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the package and tests.lab import from the repo root
    sys.path.insert(0, str(ROOT))

PYTHON = str(ROOT / ".venv" / "bin" / "python")
if not os.path.exists(PYTHON):  # e.g. run with another interpreter on purpose
    PYTHON = sys.executable


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a measured child process: C.UTF-8, no colour, the
    checkout importable, and bytecode caching on - an installed package has
    its ``.pyc`` files (pip compiles them), even where this sandbox sets
    ``PYTHONDONTWRITEBYTECODE`` (without them every run recompiles ~80 of
    our modules: ~100 ms)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LC_", "LANG")) and k not in
           ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    env.update(LANG="C.UTF-8", NO_COLOR="1", PYTHONPATH=str(ROOT), **extra)
    return env


@dataclass
class Check:
    """One target: ``value`` compared with ``limit`` (``op`` "<=", "<" or ">=")."""

    label: str          # e.g. "discover / autoconfig alone"
    value: float
    op: str
    limit: float
    unit: str = "x"     # "x" for ratios, "ms", "MB", "addr/s"

    @property
    def passed(self) -> bool:
        return {"<=": self.value <= self.limit, "<": self.value < self.limit,
                ">=": self.value >= self.limit}[self.op]

    def text(self) -> str:
        mark = "ok" if self.passed else "MISSED"
        return f"{self.label} = {fmt(self.value, self.unit)} (target {self.op} " \
               f"{fmt(self.limit, self.unit)}): {mark}"


@dataclass
class Result:
    name: str                       # the script name, e.g. "race"
    target: str                     # the target in words, from the issue
    measured: list[str] = field(default_factory=list)   # what was measured, in words
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def to_json(self) -> dict:
        data = asdict(self)
        data["passed"] = self.passed
        for check, raw in zip(self.checks, data["checks"]):
            raw["passed"] = check.passed
            raw["text"] = check.text()
        return data


def fmt(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "ms":
        return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.0f} {unit}"


def median(values) -> float:
    return statistics.median(values)


def ms(seconds: float) -> float:
    return seconds * 1000.0


def timed(fn: Callable, *args, **kwargs) -> tuple[float, object]:
    """(seconds, return value) of one call."""
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - start, value


def cpu_seconds_of(pid: int) -> float:
    """user + system CPU time of process ``pid`` so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


def main(measure: Callable[[argparse.Namespace], Result], description: str,
         repeat: int, extra: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeat", type=int, default=repeat,
                        help=f"measurements per side (default {repeat}); medians are reported")
    parser.add_argument("--json", metavar="FILE", help="also write the result as JSON here")
    if extra:
        extra(parser)
    args = parser.parse_args()
    try:
        result = measure(args)
    except Exception as exc:  # the benchmark could not run: say so, exit 2
        traceback.print_exc()
        print(f"RESULT {Path(sys.argv[0]).stem}: could not run: {exc}", flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps({"name": Path(sys.argv[0]).stem,
                                                   "error": str(exc), "passed": False}))
        sys.exit(2)
    print()
    for line in result.measured:
        print(f"  {line}")
    for note in result.notes:
        print(f"  note: {note}")
    for check in result.checks:
        print(f"  {check.text()}")
    verdict = "PASS" if result.passed else "FAIL"
    print(f"RESULT {result.name}: {verdict} - "
          + "; ".join(f"{c.label} {fmt(c.value, c.unit)}" for c in result.checks), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(result.to_json(), indent=1))
    sys.exit(0 if result.passed else 1)

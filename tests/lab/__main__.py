"""``python -m tests.lab``: start the lab with every scenario, print the
setupwizard command-line arguments that use it on one line, and run until
SIGTERM or SIGINT (Ctrl-C)."""

from __future__ import annotations

import shlex
import signal
import sys
import threading

from . import Lab


def main() -> int:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with Lab.from_scenarios() as lab:
        print(" ".join(shlex.quote(arg) for arg in lab.cli_args), flush=True)
        print(f"lab running on {lab.prefix}.0/24; Ctrl-C or SIGTERM stops it",
              file=sys.stderr, flush=True)
        while not stop.wait(1.0):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

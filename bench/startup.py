"""Benchmark: how fast ``setupwizard --help`` and an offline lookup start.

Target (issue 10): "Offline: `discover --offline alice@gmx.de` at most 3x
`python3 -c pass`; `--help` at most 2.5x, in a plain and in an editable
install."

Where: a throwaway virtualenv made from the same base interpreter as
``.venv``, in which ``setupwizard`` is importable through a plain ``.pth``
line naming the checkout, and ``bin/setupwizard`` is the console script pip
writes (``from setupwizard.cli.main import entry``). That is how a user's
(non-editable) install starts. The editable install is the project's own
``.venv`` (``pip install -e .``): there an import hook
(``__editable___*_finder.py``, which imports pathlib and more) runs at
*every* interpreter start, the bare ``python -c pass`` included, so its
ratios are measured against that venv's own bare interpreter.

Measured, alternately (default 20 times each, after two warm-up runs),
whole-process wall times, medians:

* ``python -c pass``                - the bare interpreter;
* ``python -m setupwizard --help``  - the module (plain install only);
* ``setupwizard --help``            - the console script;
* ``setupwizard discover --offline alice@gmx.de`` - the console script
  answering from the bundled provider database.

Bytecode: an installed package has its ``.pyc`` files (pip compiles them),
so the processes may write and use ``__pycache__`` (ignored by git) even
where the environment sets ``PYTHONDONTWRITEBYTECODE`` (this sandbox does).

Exit status 1 when a --help ratio is over 2.5 or an --offline one over 3.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import _common as c

MAX_HELP_RATIO = 2.5
MAX_OFFLINE_RATIO = 3.0
OFFLINE = ["discover", "--offline", "alice@gmx.de"]

CONSOLE_SCRIPT = """#!{python}
# -*- coding: utf-8 -*-
import re
import sys
from setupwizard.cli.main import entry
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(entry())
"""


def child_env(bytecode: bool = True) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPYCACHEPREFIX", None)
    env.pop("PYTHONPATH", None)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("LANG", "C.UTF-8")
    return env


def make_user_venv(folder: Path) -> Path:
    """A venv whose site-packages names the checkout (and, for the
    dependencies, the project venv's site-packages) in a plain .pth file:
    no import hook runs at start. Returns its python."""
    subprocess.run([c.PYTHON, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    project_site = subprocess.run(
        [c.PYTHON, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "setupwizard-bench.pth").write_text(f"{c.ROOT}\n{project_site}\n")
    script = folder / "bin" / "setupwizard"
    script.write_text(CONSOLE_SCRIPT.format(python=python))
    script.chmod(0o755)
    return python


def run_once(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{argv} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed


def sample(cmds: dict[str, list[str]], env: dict[str, str], repeat: int,
           cwd: Path) -> dict[str, float]:
    for argv in cmds.values():  # warm-up: page cache, __pycache__
        run_once(argv, env, cwd)
        run_once(argv, env, cwd)
    times: dict[str, list[float]] = {name: [] for name in cmds}
    names = list(cmds)
    for i in range(repeat):
        # alternate, and rotate which goes first
        for name in names[i % len(names):] + names[:i % len(names)]:
            times[name].append(run_once(cmds[name], env, cwd))
    return {name: c.median(values) for name, values in times.items()}


def describe(medians: dict[str, float]) -> list[str]:
    bare = medians["python -c pass"]
    return [f"{name}: {c.ms(v):.0f} ms" + ("" if name == "python -c pass" else
                                           f" = {v / bare:.2f}x")
            for name, v in medians.items()]


def measure(args) -> c.Result:
    env = child_env(bytecode=True)
    folder = Path(tempfile.mkdtemp(prefix="setupwizard-bench-venv-"))
    try:
        python = make_user_venv(folder)
        script = str(folder / "bin" / "setupwizard")
        plain = sample({
            "python -c pass": [str(python), "-c", "pass"],
            "python -m setupwizard --help": [str(python), "-m", "setupwizard", "--help"],
            "setupwizard --help": [script, "--help"],
            "setupwizard discover --offline": [script, *OFFLINE],
        }, env, args.repeat, cwd=folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    script = str(c.ROOT / ".venv" / "bin" / "setupwizard")
    editable = sample({
        "python -c pass": [c.PYTHON, "-c", "pass"],
        "setupwizard --help": [script, "--help"],
        "setupwizard discover --offline": [script, *OFFLINE],
    }, env, args.repeat, cwd=c.ROOT)
    site = Path(sysconfig.get_paths()["purelib"]) if sys.prefix.startswith(str(c.ROOT)) \
        else None
    hooks = sorted(p.name for p in site.glob("__editable__*finder.py")) if site else []

    result = c.Result(name="startup", target=f"--help <= {MAX_HELP_RATIO}x python -c pass, "
                      f"discover --offline <= {MAX_OFFLINE_RATIO:.0f}x, plain and editable "
                      "install")
    result.measured = [
        "plain install: " + "; ".join(describe(plain)),
        "editable install (.venv" + (f", hook {', '.join(hooks)}" if hooks else "") + "): "
        + "; ".join(describe(editable)),
        f"medians of {args.repeat} alternating runs each (order rotating), bytecode cached",
    ]
    checks = []
    for where, medians in (("plain", plain), ("editable", editable)):
        bare = medians["python -c pass"]
        for name, value in medians.items():
            if name == "python -c pass":
                continue
            limit = MAX_OFFLINE_RATIO if "offline" in name else MAX_HELP_RATIO
            label = name.replace("setupwizard ", "").replace("python -m setupwizard --help",
                                                              "-m --help")
            checks.append(c.Check(f"{where} {label} / bare", value / bare, "<=", limit))
    result.checks = checks
    return result


if __name__ == "__main__":
    c.main(measure, __doc__.split("\n")[0], repeat=20)

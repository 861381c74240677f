"""Benchmark: how fast ``setupwizard --help`` starts.

Target (from the issue): "`setupwizard --help` starts within 3x the time of
a bare `python3 -c pass`".

Where: a throwaway virtualenv made from the same base interpreter as
``.venv``, in which ``setupwizard`` is importable through a plain ``.pth``
line naming the checkout, and ``bin/setupwizard`` is the console script pip
writes (``from setupwizard.cli import main``). That is how a user's
(non-editable) install starts. The project's ``.venv`` is not used for the
target because ``pip install -e .`` puts an import hook there
(``__editable___*_finder.py``, which imports pathlib and more) that runs at
*every* interpreter start: it adds ~30 ms to the bare ``python -c pass`` too
and would flatter the ratio. Its numbers are printed for information.

Measured, alternately (default 20 times each, after two warm-up runs),
whole-process wall times, medians:

* ``python -c pass``                - the bare interpreter;
* ``python -m setupwizard --help``  - the module;
* ``setupwizard --help``            - the console script.

Bytecode: an installed package has its ``.pyc`` files (pip compiles them),
so the processes may write and use ``__pycache__`` (ignored by git) even
where the environment sets ``PYTHONDONTWRITEBYTECODE`` (this sandbox does).

Exit status 1 when either ratio is over 3.
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

MAX_RATIO = 3.0

CONSOLE_SCRIPT = """#!{python}
# -*- coding: utf-8 -*-
import re
import sys
from setupwizard.cli import main
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(main())
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
        cmds = {
            "python -c pass": [str(python), "-c", "pass"],
            "python -m setupwizard --help": [str(python), "-m", "setupwizard", "--help"],
            "setupwizard --help": [str(folder / "bin" / "setupwizard"), "--help"],
        }
        medians = sample(cmds, env, args.repeat, cwd=folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    project = {
        "python -c pass": [c.PYTHON, "-c", "pass"],
        "python -m setupwizard --help": [c.PYTHON, "-m", "setupwizard", "--help"],
    }
    script = c.ROOT / ".venv" / "bin" / "setupwizard"
    if script.exists():
        project["setupwizard --help"] = [str(script), "--help"]
    site = Path(sysconfig.get_paths()["purelib"]) if sys.prefix.startswith(str(c.ROOT)) \
        else None
    hooks = sorted(p.name for p in site.glob("__editable__*finder.py")) if site else []
    info = sample(project, env, max(5, args.repeat // 2), cwd=c.ROOT) if args.project else None

    bare = medians["python -c pass"]
    result = c.Result(name="startup", target=f"--help <= {MAX_RATIO:.0f}x python -c pass")
    result.measured = describe(medians) + [
        f"medians of {args.repeat} alternating runs each, in a user-like venv"]
    if info:
        result.notes.append("for information, the project .venv"
                            + (f" (with the editable-install hook {', '.join(hooks)})"
                               if hooks else "") + ": "
                            + "; ".join(line.strip() for line in describe(info)))
    result.checks = [
        c.Check("-m setupwizard / bare", medians["python -m setupwizard --help"] / bare,
                "<=", MAX_RATIO),
        c.Check("console script / bare", medians["setupwizard --help"] / bare, "<=", MAX_RATIO),
    ]
    return result


def _extra(parser) -> None:
    parser.add_argument("--no-project", dest="project", action="store_false",
                        help="skip the informative runs in the project's .venv")


if __name__ == "__main__":
    c.main(measure, __doc__.split("\n")[0], repeat=20, extra=_extra)

"""Benchmark: the wizard, from Enter on the address to the result on screen.

Target (issue 10): "Wizard: from Enter on the address to the result on
screen, in the instant-autoconfig lab: at most 0.1 s (measured with a
pseudo-terminal)."

The real ``python -m setupwizard wizard --lang en`` runs in a
pseudo-terminal (pexpect, 140x50, TERM=xterm-256color) against a lab where
``https://autoconfig.cold.test/mail/config-v1.1.xml`` answers at once and
the other sources find nothing (NXDOMAIN). The address ``alice@cold.test``
is typed a key at a time, 40 ms apart (a quick typist: about 0.6 s), as a
person would - the wizard warms up its imports and the TLS context in the
background meanwhile (``ui/wizard.py start_warm_up``). Measured: from
sending Enter to the moment the next question ("On how many devices ...")
has appeared, i.e. the whole result block is on the screen; also, for the
record, to the first line of the result (the source label "autoconfig").
A fresh process each round; medians.

This target is absolute (the issue gives it so), so it is exposed to the
machine's load more than the ratios elsewhere.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time

import _common as c
from cold import build_lab

ADDRESS = "alice@cold.test"
KEY_GAP = 0.040       # seconds between typed keys
MAX_SECONDS = 0.1


def spawn(lab, out: str):
    import pexpect
    env = c.child_env(TERM="xterm-256color", PYTHONIOENCODING="utf-8")
    env.pop("NO_COLOR", None)
    env = {k: v for k, v in env.items() if not k.startswith("SETUPWIZARD")}
    return pexpect.spawn(c.PYTHON, ["-m", "setupwizard", "wizard", "--lang", "en", "--out", out,
                                    *lab.cli_args, "--timeout", "2"],
                         env=env, encoding="utf-8", timeout=20, dimensions=(50, 140),
                         cwd=str(c.ROOT))


def one_round(lab) -> tuple[float, float]:
    """(seconds to the source label, seconds to the next question)."""
    import pexpect
    out = tempfile.mkdtemp(prefix="setupwizard-bench-wizard-")
    child = spawn(lab, out)
    try:
        child.expect("e-mail address")
        for key in ADDRESS:
            child.send(key)
            time.sleep(KEY_GAP)
        child.expect(ADDRESS[-4:])         # the echo of what was typed: nothing left unread
        start = time.perf_counter()
        child.send("\r")
        child.expect("autoconfig")
        label = time.perf_counter() - start
        child.expect("how many devices")
        question = time.perf_counter() - start
        return label, question
    finally:
        child.sendcontrol("c")
        try:
            child.expect(pexpect.EOF, timeout=5)
        except pexpect.TIMEOUT:
            pass
        child.close(force=True)
        shutil.rmtree(out, ignore_errors=True)


def measure(args) -> c.Result:
    try:
        import pexpect  # noqa: F401 - a test extra
    except ImportError as exc:
        raise RuntimeError("pexpect is not installed (pip install -e '.[test]')") from exc
    if not sys.stdin or os.name != "posix":
        raise RuntimeError("needs a POSIX system for pseudo-terminals")
    labels, questions = [], []
    with build_lab() as lab:
        one_round(lab)  # warm-up: page cache, .pyc files
        for _ in range(args.repeat):
            label, question = one_round(lab)
            labels.append(label)
            questions.append(question)
    m_label, m_question = c.median(labels), c.median(questions)
    result = c.Result(name="wizard", target=f"Enter on the address -> result on screen "
                                            f"<= {MAX_SECONDS} s (instant autoconfig, pty)")
    result.measured = [
        f"Enter -> the whole result and the next question on screen: median "
        f"{c.ms(m_question):.0f} ms (min {c.ms(min(questions)):.0f}, max "
        f"{c.ms(max(questions)):.0f}); -> first line of the result: median "
        f"{c.ms(m_label):.0f} ms; {args.repeat} fresh processes, the address typed "
        f"{KEY_GAP * 1000:.0f} ms a key",
    ]
    result.checks = [c.Check("Enter -> result", m_question, "<=", MAX_SECONDS, "s")]
    return result


if __name__ == "__main__":
    c.main(measure, __doc__.splitlines()[0], repeat=7)

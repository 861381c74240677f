"""`setupwizard --help` must start fast (bench/startup.py measures it): the
modules on its path must not pull in heavy libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("dataclasses", "typing", "json", "inspect", "dns", "httpx", "httpcore", "anyio", "requests", "urllib3",
         "questionary", "cryptography", "defusedxml", "segno", "publicsuffixlist")


def test_help_path_imports_nothing_heavy():
    code = f"""
import sys
before = set(sys.modules)
import setupwizard.cli as cli
cli.build_parser(cli.Translator("de")).format_help()
loaded = [m for m in {HEAVY!r} if m in sys.modules and m not in before]
print(",".join(loaded))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "", f"--help now imports {out}: import it inside the function that needs it"


NETWORK_LIBRARIES = ("httpx", "httpcore", "anyio", "dns.asyncresolver")


def test_offline_discover_imports_no_network_library_and_builds_no_tls_context():
    """Issue 10, item 6: ``discover --offline`` pays only for what it uses.
    Run in-process through cli.main with an Environment, inside a fresh
    interpreter so that sys.modules shows only what this command imported."""
    code = f"""
import io, ssl, sys
built = []
real = ssl.create_default_context
def counting(*args, **kwargs):
    built.append("ssl.create_default_context")
    return real(*args, **kwargs)
ssl.create_default_context = counting

from setupwizard.net import Network
real_tls = Network.tls_context
def tls_context(self):
    built.append("Network.tls_context")
    return real_tls(self)
Network.tls_context = tls_context

from setupwizard.cli import main
from setupwizard.ui.terminal import Environment
out, err = io.StringIO(), io.StringIO()
status = main(["discover", "--offline", "--json", "alice@gmx.de"],
              env=Environment(stdin=io.StringIO(), stdout=out, stderr=err,
                              environ={{"NO_COLOR": "1", "LANG": "C.UTF-8"}}))
loaded = [m for m in {NETWORK_LIBRARIES!r} if m in sys.modules]
print(status, ",".join(loaded) or "-", ",".join(built) or "-", sep="|")
print(out.getvalue().strip().splitlines()[0] if out.getvalue().strip() else err.getvalue())
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    summary, first = proc.stdout.splitlines()[:2]
    status, loaded, built = summary.split("|")
    assert status == "0", first
    assert '"imap.gmx.net"' in first
    assert loaded == "-", f"--offline imported {loaded}"
    assert built == "-", f"--offline built a TLS context ({built})"

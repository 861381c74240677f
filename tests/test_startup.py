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

"""Issue 11, README for a newcomer: how to run `setupwizard` after the
install command, every discovery source in the table and the JSON
description (`guess` was missing), and an install that shows its progress."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from setupwizard.discovery import ALL_SOURCES
from tests.paths import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else None]


def test_the_readme_says_how_to_run_the_bare_command_and_it_works():
    setup = README[:README.index("\n## ")]
    snippet = re.search(r"```sh\n(\. \.venv/bin/activate[^\n]*\nsetupwizard [^\n]*)\n```",
                        setup)
    assert snippet, "after command 1 the README shows how to get `setupwizard` on PATH"
    if not (REPO / ".venv" / "bin" / "activate").exists():
        pytest.skip("no .venv here (scripts/test.sh creates it)")
    # a fresh shell whose PATH does not hold the virtualenv
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                           if ".venv" not in p)
    env = {"PATH": path, "HOME": os.environ.get("HOME", "/"), "LANG": "C.UTF-8",
           "NO_COLOR": "1"}
    bare = subprocess.run(["bash", "-c", "command -v setupwizard"], cwd=REPO, env=env,
                          capture_output=True, text=True)
    assert bare.returncode != 0 or ".venv" not in bare.stdout
    proc = subprocess.run(["bash", "-c", snippet.group(1)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "imap.gmx.net" in proc.stdout


def test_every_source_is_in_the_discovery_table_and_the_json_description():
    table = section("How discovery works")
    for name in ALL_SOURCES:
        assert re.search(rf"^\| [^|]+ \| `{re.escape(name)}` \|", table, re.M), name
    json_part = README[README.index("### JSON output"):README.index("## How discovery works")]
    described = json_part[json_part.index("- `sources`:"):]
    described = described[:described.index("\n- `warnings`")]
    for name in ALL_SOURCES:
        assert f"`{name}`" in described, name


def test_the_test_script_says_what_it_installs_and_shows_apt_progress():
    script = (REPO / "scripts" / "test.sh").read_text(encoding="utf-8")
    install = next(line for line in script.splitlines()
                   if "apt-get install" in line and not line.lstrip().startswith("#"))
    assert "-qq" not in install and "/dev/null" not in install, install
    assert re.search(r"echo .*MB", script), "the script says how much it will download"
    setup = README[:README.index("\n## ")]
    for package in ("dnsmasq", "Dovecot", "Chromium"):
        assert package in setup
    assert re.search(r"\d+ MB to download", setup)

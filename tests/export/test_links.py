"""`setupwizard export` never writes through a link planted at a file name
(issue 9, item 7): the private file a link points at keeps its content and
mode, and the export says which file it refused. Real files and links in a
temporary folder; explicit servers, so no network is needed."""

from __future__ import annotations

import os
import stat

import pytest

from tests.support import assert_clean, run_main

SERVERS = ["--imap", "imap.example.test", "--smtp", "smtp.example.test:587"]
PRIVATE = b"my private notes\n"
PASSWORD = "Canary-Pw-5e1d0b"


def _private_file(tmp_path):
    private = tmp_path / "private.txt"
    private.write_bytes(PRIVATE)
    private.chmod(0o600)
    return private


def _unchanged(private) -> None:
    assert private.read_bytes() == PRIVATE
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


def test_link_at_the_thunderbird_file_name_is_refused(tmp_path):
    private = _private_file(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "config-v1.1.xml").symlink_to(private)
    proc = run_main("export", "bob@example.test", *SERVERS, "--format", "thunderbird",
                   "--out", str(out))
    assert_clean(proc)
    assert proc.returncode == 1  # documented: a format could not be written
    assert "config-v1.1.xml is a link" in proc.stderr
    _unchanged(private)
    assert (out / "config-v1.1.xml").is_symlink()
    assert [p.name for p in out.iterdir()] == ["config-v1.1.xml"]  # no temporary left


def test_link_at_the_apple_profile_gets_no_password(tmp_path):
    private = _private_file(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    profile = out / "apple-mail-bob@example.test.mobileconfig"
    profile.symlink_to(private)
    proc = run_main("export", "bob@example.test", *SERVERS, "--format", "apple,thunderbird",
                   "--include-password", "--password-stdin", "--out", str(out),
                   stdin=PASSWORD + "\n")
    assert_clean(proc)
    assert proc.returncode == 1
    assert "is a link" in proc.stderr and PASSWORD not in proc.stdout + proc.stderr
    _unchanged(private)
    assert profile.is_symlink()
    # the other format is still written, normally
    assert stat.S_IMODE((out / "config-v1.1.xml").stat().st_mode) == 0o644


def test_dangling_link_is_refused_and_creates_nothing(tmp_path):
    target = tmp_path / "would-be-created"
    out = tmp_path / "out"
    out.mkdir()
    (out / "config-v1.1.xml").symlink_to(target)
    proc = run_main("export", "bob@example.test", *SERVERS, "--format", "thunderbird",
                   "--out", str(out))
    assert proc.returncode == 1 and "is a link" in proc.stderr
    assert not target.exists()


def test_link_in_the_domain_kit_is_refused(tmp_path):
    private = _private_file(tmp_path)
    out = tmp_path / "kit"
    out.mkdir()
    (out / "config-v1.1.xml").symlink_to(private)
    proc = run_main("export", "--domain", "example.test", *SERVERS, "--out", str(out))
    assert_clean(proc)
    assert proc.returncode == 1
    assert "is a link" in proc.stderr
    _unchanged(private)


def test_hard_link_target_is_not_overwritten(tmp_path):
    # an existing file is replaced by a new one (rename), never rewritten in
    # place, so a second name of a private file keeps the private content
    private = _private_file(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    os.link(private, out / "config-v1.1.xml")
    proc = run_main("export", "bob@example.test", *SERVERS, "--format", "thunderbird",
                   "--out", str(out))
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    _unchanged(private)
    assert b"imap.example.test" in (out / "config-v1.1.xml").read_bytes()


def test_existing_file_is_replaced_with_the_right_mode(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    old = out / "apple-mail-bob@example.test.mobileconfig"
    old.write_bytes(b"old")
    old.chmod(0o644)
    proc = run_main("export", "bob@example.test", *SERVERS, "--format", "apple",
                   "--include-password", "--password-stdin", "--out", str(out),
                   stdin=PASSWORD + "\n")
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    assert PASSWORD.encode() in old.read_bytes()


def test_folder_that_is_a_link_is_allowed(tmp_path):
    # a link as the folder itself is the user's own choice (--out names it)
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "linked").symlink_to(real, target_is_directory=True)
    proc = run_main("export", "bob@example.test", *SERVERS, "--format", "thunderbird",
                   "--out", str(tmp_path / "linked"))
    assert proc.returncode == 0, proc.stderr
    assert (real / "config-v1.1.xml").is_file()


@pytest.mark.parametrize("lang, text", [("de", "Verknüpfung")])
def test_refusal_in_german(tmp_path, lang, text):
    private = _private_file(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "config-v1.1.xml").symlink_to(private)
    proc = run_main("export", "bob@example.test", *SERVERS, "--format", "thunderbird",
                   "--out", str(out), "--lang", lang)
    assert proc.returncode == 1 and text in proc.stderr
    _unchanged(private)

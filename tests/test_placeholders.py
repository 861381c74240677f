"""setupwizard.placeholders.expand: filling in %EMAILADDRESS% and friends."""

from __future__ import annotations

import pytest

from setupwizard.models import EmailAddress
from setupwizard.placeholders import PLACEHOLDERS, expand

ADDRESS = EmailAddress.parse("Jo.Doe@Example.COM")
IDN = EmailAddress.parse("anna@bücher.example")


@pytest.mark.parametrize("template, expected", [
    ("%EMAILADDRESS%", "Jo.Doe@example.com"),
    ("%EMAILLOCALPART%", "Jo.Doe"),
    ("%EMAILDOMAIN%", "example.com"),
    ("%EMAILLOCALPART%@%EMAILDOMAIN%", "Jo.Doe@example.com"),
    ("mail.%EMAILDOMAIN%", "mail.example.com"),
    ("%EMAILLOCALPART%%EMAILDOMAIN%", "Jo.Doeexample.com"),
    ("imap.example.net", "imap.example.net"),
    ("", ""),
])
def test_clean_templates_expand_without_notes(template, expected):
    assert expand(template, ADDRESS) == (expected, [])


def test_domain_is_the_unicode_form_as_typed():
    assert expand("%EMAILDOMAIN%", IDN) == ("bücher.example", [])
    assert expand("%EMAILADDRESS%", IDN) == ("anna@bücher.example", [])


@pytest.mark.parametrize("template, expected", [
    ("%EMAILADDRESS", "Jo.Doe@example.com"),          # closing % missing
    ("EMAILADDRESS%", "Jo.Doe@example.com"),          # opening % missing
    ("%emailaddress%", "Jo.Doe@example.com"),         # wrong case
    ("%EmailLocalPart%", "Jo.Doe"),
    ("%%EMAILDOMAIN%%", "example.com"),               # doubled
    ("%EMAILLOCALPART@%EMAILDOMAIN%", "Jo.Doe@example.com"),
    ("mail.%EMAILDOMAIN", "mail.example.com"),
])
def test_malformed_placeholders_are_repaired_with_a_note(template, expected):
    text, notes = expand(template, ADDRESS)
    assert text == expected
    assert len(notes) == 1
    assert "malformed placeholder" in notes[0]
    assert notes[0].split()[-1] in {f"%{name}%" for name in PLACEHOLDERS}


def test_each_repair_gets_its_own_note():
    text, notes = expand("%EMAILLOCALPART@EMAILDOMAIN%", ADDRESS)
    assert text == "Jo.Doe@example.com"
    assert len(notes) == 2


def test_a_name_without_any_percent_sign_is_ordinary_text():
    assert expand("EMAILADDRESS", ADDRESS) == ("EMAILADDRESS", [])
    assert expand("emaildomain-admin", ADDRESS) == ("emaildomain-admin", [])


def test_unknown_placeholders_stay_as_written():
    assert expand("%REALNAME% <%EMAILADDRESS%>", ADDRESS) == \
        ("%REALNAME% <Jo.Doe@example.com>", [])


def test_values_are_not_expanded_a_second_time():
    tricky = EmailAddress.parse("a%EMAILDOMAIN%b@example.org")
    assert expand("%EMAILLOCALPART%", tricky) == ("a%EMAILDOMAIN%b", [])
    assert expand("%EMAILADDRESS%", tricky) == ("a%EMAILDOMAIN%b@example.org", [])


def test_never_raises_on_odd_input():
    for template in ("%", "%%", "%%%", "100%", "%EMAIL%", "%EMAILADDRESS%%%"):
        text, notes = expand(template, ADDRESS)
        assert isinstance(text, str) and isinstance(notes, list)

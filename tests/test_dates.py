"""Dates in prose: the way each language writes them, on the reader's day."""

from __future__ import annotations

import datetime as dt

from setupwizard.dates import prose_date, prose_iso_date
from setupwizard.i18n import Translator

BERLIN_WINTER = dt.timezone(dt.timedelta(hours=1))


def test_each_language_writes_dates_its_own_way():
    day = dt.date(2026, 12, 2)
    assert prose_date(day).render(Translator("en")) == "December 2, 2026"
    assert prose_date(day).render(Translator("de")) == "2. Dezember 2026"
    assert prose_date(dt.date(2027, 3, 1)).render(Translator("de")) == "1. März 2027"


def test_a_moment_becomes_the_readers_local_day():
    late = dt.datetime(2026, 12, 2, 23, 30, tzinfo=dt.timezone.utc)
    assert prose_date(late, tz=BERLIN_WINTER).render(Translator("de")) == "3. Dezember 2026"
    assert prose_date(late, tz=dt.timezone.utc).render(Translator("en")) == \
        "December 2, 2026"
    naive = dt.datetime(2026, 12, 2, 14, 17)  # counts as UTC, as certificates are
    assert "UTC" not in prose_date(naive).render(Translator("de"))


def test_iso_dates_from_files_and_other_text():
    assert prose_iso_date("2026-11-27").render(Translator("de")) == "27. November 2026"
    assert prose_iso_date("not a date") == "not a date"

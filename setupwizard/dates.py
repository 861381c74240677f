"""Dates in prose, the way each language writes them.

A certificate's end date reaches the reader inside a sentence ("It is valid
until 2 December 2026."). ISO timestamps in UTC ("2026-12-02 14:17 UTC")
are for programs: JSON output keeps them. For people, :func:`prose_date`
gives a :class:`~setupwizard.i18n.Message` that the catalogue turns into
"December 2, 2026" or "2. Dezember 2026", on the reader's local calendar
day.
"""

from __future__ import annotations

import datetime as _dt

from .i18n import Message, msg

MONTHS = (msg("January"), msg("February"), msg("March"), msg("April"), msg("May"),
          msg("June"), msg("July"), msg("August"), msg("September"), msg("October"),
          msg("November"), msg("December"))


def prose_date(value: _dt.datetime | _dt.date, *, tz: _dt.tzinfo | None = None) -> Message:
    """``value`` as a date for a sentence, in the UI's language when rendered.

    A datetime is first moved to ``tz`` (default: this computer's local
    time zone; a naive datetime counts as UTC), so the day is the reader's
    day. A plain date is used as it is. Never raises for a valid date."""
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        value = value.astimezone(tz).date()
    # TRANSLATORS: a date in a sentence; German: "{day}. {month} {year}"
    return msg("{month} {day}, {year}", month=MONTHS[value.month - 1], day=value.day,
               year=value.year)


def prose_iso_date(text: str) -> Message | str:
    """A YYYY-MM-DD text as :func:`prose_date`; other text unchanged."""
    try:
        return prose_date(_dt.date.fromisoformat(text))
    except (TypeError, ValueError):
        return text

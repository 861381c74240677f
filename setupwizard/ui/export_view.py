"""Showing an export: the settings that went into the files, each file with
its next steps, and the warnings (secrets in files, unencrypted servers,
unconfirmed sources)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from ..discovery.base import SOURCE_LABELS
from ..i18n import Message, Translator, msg
from ..models import Hint, Server
from .discovery_view import server_lines
from .terminal import Style, sanitize

__all__ = ["FORMAT_LABELS", "render_files", "render_settings", "warning_lines"]

FORMAT_LABELS: dict[str, Message | str] = {
    "thunderbird": "Thunderbird",
    "outlook": "Outlook",
    "apple": msg("Apple Mail (iPhone, iPad, Mac)"),
    "android": msg("Thunderbird for Android (QR code)"),
    "sheet": msg("Printable settings sheet"),
    "domain": msg("Files for the web server and DNS"),
}


def _text(tr: Translator, value: Message | str | None) -> str:
    if isinstance(value, Message):
        return sanitize(value.render(tr))
    return sanitize(value or "")


def format_label(name: str, tr: Translator) -> str:
    return _text(tr, FORMAT_LABELS.get(name, name))


def _shown_path(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder))
    except ValueError:
        return str(path)


def render_settings(incoming: Sequence[Server], outgoing: Sequence[Server], source: str,
                    tr: Translator, style: Style) -> str:
    """The servers that went into the files and where they came from."""
    if source == "user":
        where = tr("the command line")
    else:
        label = SOURCE_LABELS.get(source)
        where = label.render(tr) if label else sanitize(source)
    lines = [style(msg("Settings used, from {source}:", source=where).render(tr), "bold")]
    lines.extend(server_lines(tuple(incoming), tr, style, "incoming"))
    lines.extend(server_lines(tuple(outgoing), tr, style, "outgoing"))
    return "\n".join(lines)


def render_files(groups: Sequence[tuple[str, Sequence]], folder: Path, heading: Message,
                 tr: Translator, style: Style, hints: Sequence[Hint] = ()) -> str:
    """Every written file, grouped by format, with its numbered next steps;
    then the provider's hints. ``groups`` holds (format name, files)."""
    out = [style(heading.render(tr), "bold")]
    for name, files in groups:
        if not files:
            continue
        out.append("")
        out.append(style(format_label(name, tr), "bold"))
        for exported in files:
            title = _text(tr, exported.title)
            out.append(f"  {style(_shown_path(exported.path, folder), 'cyan')} - {title}")
            for number, step in enumerate(exported.steps, start=1):
                out.append(f"    {number}. {_text(tr, step)}")
    if hints:
        out.append("")
        out.append(style(tr("Before you start"), "bold"))
        for hint in hints:
            mark = "!" if hint.kind in ("action", "warning") else "i"
            out.append(f"  {style(mark, 'yellow')} {sanitize(hint.in_lang(tr.lang))}")
            if hint.url:
                out.append(f"    {style(sanitize(hint.url), 'blue')}")
    return "\n".join(out)


def warning_lines(warnings: Sequence[Message | str], tr: Translator, style: Style
                  ) -> list[str]:
    """Each warning as one line for standard error."""
    label = tr("Warning")
    return [f"{style(label + ':', 'yellow', 'bold')} {_text(tr, w)}" for w in warnings]


def folder_text(folder: Path) -> str:
    """The output folder as the user should read it (with a trailing
    separator, so it is clearly a folder)."""
    return sanitize(str(folder)).rstrip(os.sep) + os.sep

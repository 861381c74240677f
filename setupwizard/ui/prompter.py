"""Asking the user: one interface, two implementations (certbot's idea).

Every question has a ``key`` naming the command-line flag that answers it.
``Prompter`` first looks for an answer given on the command line (so no
question is asked twice for something already known); otherwise the
interactive prompter asks with questionary, and the scripted one (no
terminal) raises MissingAnswer naming the flag. Ctrl-C is a value
(Cancelled), not a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ..i18n import Translator


class Cancelled(Exception):
    """The user pressed Ctrl-C or Escape."""


class MissingAnswer(Exception):
    """No terminal to ask, and no flag gave the answer."""

    def __init__(self, flag: str) -> None:
        super().__init__(flag)
        self.flag = flag


@dataclass(frozen=True)
class Choice:
    value: Any
    label: str


#: question key -> the flag that answers it
FLAGS = {
    "language": "--lang", "address": "--address", "confirm-untrusted": "--yes",
    "manual": "--imap/--pop3/--smtp", "devices-count": "--protocol",
    "webmail": "--protocol", "space": "--protocol", "protocol": "--protocol",
    "leave-on-server": "--keep-on-server/--no-keep-on-server",
    "password": "--password-stdin", "after-failure": "--yes", "devices": "--devices",
    "name": "--name", "edit-which": "--imap/--pop3/--smtp", "edit-value": "--imap/--pop3/--smtp",
    "continue": "--yes",
}


@dataclass
class Prompter:
    """Asks questions; ``answers`` holds what flags already said.

    ``interactive`` is False without a terminal: then a missing answer
    raises MissingAnswer. ``assume_yes`` answers every confirmation with
    its default-yes (``--yes``).
    """

    tr: Translator
    interactive: bool
    answers: dict[str, Any] = field(default_factory=dict)
    assume_yes: bool = False
    output: Callable[[str], None] = print
    backend: Any = None  # questionary module, imported lazily

    def say(self, text: str = "") -> None:
        self.output(text)

    def _given(self, key: str):
        return self.answers.get(key)

    def _q(self):
        if self.backend is None:
            import questionary
            self.backend = questionary
        return self.backend

    def _ask(self, question) -> Any:
        answer = question.ask()  # questionary returns None on Ctrl-C
        if answer is None:
            raise Cancelled()
        return answer

    def text(self, key: str, message: str, *, default: str = "",
             validate: Callable[[str], str | None] | None = None) -> str:
        given = self._given(key)
        if given is not None:
            return given
        if not self.interactive:
            raise MissingAnswer(FLAGS.get(key, f"--{key}"))

        def check(value: str):
            problem = validate(value) if validate else None
            return True if problem is None else problem
        return self._ask(self._q().text(message, default=default, validate=check))

    def password(self, key: str, message: str) -> str:
        given = self._given(key)
        if given is not None:
            return given
        if not self.interactive:
            raise MissingAnswer(FLAGS.get(key, f"--{key}"))
        return self._ask(self._q().password(message))

    def select(self, key: str, message: str, choices: Sequence[Choice], *,
               default: Any = None) -> Any:
        given = self._given(key)
        if given is not None:
            return given
        if not self.interactive:
            raise MissingAnswer(FLAGS.get(key, f"--{key}"))
        q = self._q()
        options = [q.Choice(c.label, value=c.value) for c in choices]
        initial = next((o for o, c in zip(options, choices) if c.value == default), None)
        return self._ask(q.select(message, choices=options, default=initial))

    def checkbox(self, key: str, message: str, choices: Sequence[Choice], *,
                 default: Sequence[Any] = ()) -> list:
        given = self._given(key)
        if given is not None:
            return list(given)
        if not self.interactive:
            raise MissingAnswer(FLAGS.get(key, f"--{key}"))
        q = self._q()
        options = [q.Choice(c.label, value=c.value, checked=c.value in default)
                   for c in choices]
        while True:
            picked = self._ask(q.checkbox(message, choices=options))
            if picked:
                return picked
            self.say(self.tr("Please choose at least one (space bar), then press Enter."))

    def confirm(self, key: str, message: str, *, default: bool = True) -> bool:
        given = self._given(key)
        if given is not None:
            return bool(given)
        if self.assume_yes:
            return True
        if not self.interactive:
            raise MissingAnswer(FLAGS.get(key, f"--{key}"))
        return bool(self._ask(self._q().confirm(message, default=default)))

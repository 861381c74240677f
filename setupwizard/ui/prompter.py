"""Asking the user: one interface, two implementations (certbot's idea).

Every question has a ``key`` naming the command-line flag that answers it.
``Prompter`` first looks for an answer given on the command line (so no
question is asked twice for something already known); otherwise the
interactive prompter asks with questionary, and the scripted one (no
terminal) notes the flag: ``check_answers`` then names every flag that was
missing in one MissingAnswer. Ctrl-C is a value (Cancelled), not a crash.

questionary is used here and nowhere else. Its own words are English
("(Use arrow keys)", "(Y/n)", "Yes", "done (5 selections)", "Cancelled by
user"), so every hint is passed in the user's language, the yes/no question
is our own (it takes "j" in German), each question is erased when answered
and the answer is echoed here, and Ctrl-C is caught before questionary can
print. Text is wrapped between words to the terminal's width (ui/wrap.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

__all__ = ["Prompter", "Choice", "Cancelled", "MissingAnswer"]

from ..errors import Cancelled, MissingAnswer
from ..i18n import Translator
from .wrap import visible_width, wrap


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
    "continue": "--yes", "manual-protocol": "--imap/--pop3",
    "imap-server": "--imap", "pop3-server": "--pop3", "smtp-server": "--smtp",
    "review": "--yes", "qr-scanned": "--yes",
}

#: the keys that answer a yes/no question, by language ("y" also works in
#: German: it means nothing else there, and people used to English type it)
YES_KEYS = {"en": "yY", "de": "jJyY"}
NO_KEYS = {"en": "nN", "de": "nN"}

_NO_DEFAULT = object()


def terminal_width() -> int:
    """The terminal's width in columns now (it may change between questions)."""
    import shutil
    return shutil.get_terminal_size((80, 24)).columns


@dataclass
class Prompter:
    """Asks questions; ``answers`` holds what flags already said.

    ``interactive`` is False without a terminal: then a question that no
    flag answered is noted in ``missing`` and answered with its default, so
    one run can name every missing flag; a question without a default (or
    ``check_answers``, which the flow calls before anything happens)
    raises MissingAnswer with all of them. ``assume_yes`` answers every
    confirmation with yes (``--yes``). ``width`` gives the columns to wrap
    text to; None (not a terminal) leaves lines as they are.
    """

    tr: Translator
    interactive: bool
    answers: dict[str, Any] = field(default_factory=dict)
    assume_yes: bool = False
    output: Callable[[str], None] = print
    backend: Any = None  # questionary module, imported lazily
    width: Callable[[], int] | None = None
    missing: list[str] = field(default_factory=list)
    #: writes text without a line break (None: ``output`` is used)
    raw: Callable[[str], None] | None = None

    def say(self, text: str = "") -> None:
        # one column spare: a line that fills the last one makes some
        # terminals wrap the cursor onto an empty line of its own
        self.output(wrap(text, self.width() - 1 if self.width else None))

    def write(self, text: str) -> None:
        """``text`` as it is, without a line break after it (the last line
        of a drawing that must not scroll its first line away)."""
        if self.raw is None:
            self.output(text)
        else:
            self.raw(text)

    def wait(self, key: str) -> None:
        """On a terminal, wait for Enter without drawing anything (the
        instruction is already on screen); elsewhere return at once."""
        if not self.interactive or self._given(key) is not None or self.assume_yes:
            return
        self._run_keys("", "", {}, True, bare=True)

    # -- scripted: collect what is missing ------------------------------------
    def note_missing(self, key: str) -> None:
        """Remember that the flag answering ``key`` was not given."""
        flag = FLAGS.get(key, f"--{key}")
        if flag not in self.missing:
            self.missing.append(flag)

    def check_answers(self) -> None:
        """Raise MissingAnswer naming every flag noted missing so far."""
        if self.missing:
            raise MissingAnswer(self.missing)

    def _unanswered(self, key: str, default: Any = _NO_DEFAULT) -> Any:
        self.note_missing(key)
        if default is _NO_DEFAULT:
            raise MissingAnswer(self.missing)
        return default

    def _given(self, key: str):
        return self.answers.get(key)

    # -- on a terminal ----------------------------------------------------------
    def _q(self):
        if self.backend is None:
            import questionary
            self.backend = questionary
        return self.backend

    def _run(self, question) -> Any:
        # unsafe_ask: questionary's ask() would print "Cancelled by user"
        try:
            answer = question.unsafe_ask()
        except (KeyboardInterrupt, EOFError):
            raise Cancelled() from None
        if answer is None:
            raise Cancelled()
        return answer

    def _columns(self) -> int:
        return self.width() if self.width else terminal_width()

    def _message(self, message: str, hint: str = "") -> tuple[str, str]:
        """The question wrapped to the terminal (after the "? " mark, with
        continuation lines under its first word), and the hint: on the
        question's last line when it fits there, else on a line of its own."""
        columns = self._columns() - 1  # one spare, as in say()
        lines = wrap(message, max(columns - 2, 20)).split("\n")
        lines = [lines[0]] + ["  " + line for line in lines[1:]]
        if hint and visible_width(lines[-1]) + 3 + visible_width(hint) > columns - 2:
            hint = "\n  " + wrap(hint, max(columns - 2, 20)).replace("\n", "\n  ")
        return "\n".join(lines), hint

    def _echo(self, message: str, answer: str = "") -> None:
        """What stays on screen once a question is answered (and erased)."""
        self.say(f"? {message} {answer}".rstrip())

    def text(self, key: str, message: str, *, default: str = "",
             validate: Callable[[str], str | None] | None = None) -> str:
        """The typed answer; asked again, with the reason shown in full,
        until ``validate`` (a problem text or None) is content."""
        given = self._given(key)
        if given is not None:
            return given
        if not self.interactive:
            return self._unanswered(key)
        value = default
        while True:
            shown, _ = self._message(message)
            value = self._run(self._q().text(shown, default=value, erase_when_done=True))
            self._echo(message, value)
            problem = validate(value) if validate else None
            if problem is None:
                return value
            self.say(f"  ! {problem}")
            # asked again with what was typed, to correct; an emptied answer
            # gets its suggestion back
            value = value if value.strip() else default

    def password(self, key: str, message: str, *,
                 validate: Callable[[str], str | None] | None = None) -> str:
        """The typed password (never echoed); asked again while ``validate``
        names a problem."""
        given = self._given(key)
        if given is not None:
            return given
        if not self.interactive:
            return self._unanswered(key)
        while True:
            shown, _ = self._message(message)
            value = self._run(self._q().password(shown, erase_when_done=True))
            self._echo(message)
            problem = validate(value) if validate else None
            if problem is None:
                return value
            self.say(f"  ! {problem}")

    def select(self, key: str, message: str, choices: Sequence[Choice], *,
               default: Any = None) -> Any:
        given = self._given(key)
        if given is not None:
            return given
        if not self.interactive:
            return self._unanswered(key, default if default is not None else choices[0].value)
        q = self._q()
        options = [q.Choice(c.label, value=c.value) for c in choices]
        initial = next((o for o, c in zip(options, choices) if c.value == default), None)
        shown, hint = self._message(message, self.tr("(arrow keys, then Enter)"))
        value = self._run(q.select(shown, choices=options, default=initial,
                                   instruction=hint, erase_when_done=True))
        self._echo(message, next(c.label for c in choices if c.value == value))
        return value

    def checkbox(self, key: str, message: str, choices: Sequence[Choice], *,
                 default: Sequence[Any] = ()) -> list:
        given = self._given(key)
        if given is not None:
            return list(given)
        if not self.interactive:
            return list(self._unanswered(key, default))
        q = self._q()
        shown, hint = self._message(message, self.tr("(arrow keys to move, space bar to "
                                                     "choose, Enter to finish)"))
        picked: list = list(default)
        while True:
            options = [q.Choice(c.label, value=c.value, checked=c.value in picked)
                       for c in choices]
            picked = self._run(q.checkbox(shown, choices=options, instruction=hint,
                                          erase_when_done=True))
            labels = [c.label for c in choices if c.value in picked]
            self._echo(message, ", ".join(labels))
            if picked:
                return picked
            self.say("  ! " + self.tr("Please choose at least one (space bar), then "
                                      "press Enter."))

    def confirm(self, key: str, message: str, *, default: bool = True,
                scripted: bool | None = None) -> bool:
        """Yes or no. Without a terminal and without a flag the answer is
        noted missing and ``scripted`` (else ``default``) is assumed, so the
        run can go on to find what else is missing."""
        given = self._given(key)
        if given is not None:
            return bool(given)
        if self.assume_yes:
            return True
        if not self.interactive:
            return bool(self._unanswered(key, default if scripted is None else scripted))
        answer = self._run_confirm(message, default)
        self._echo(message, self.tr("Yes") if answer else self.tr("No"))
        return answer

    def pause(self, key: str, message: str) -> None:
        """Wait until the user presses Enter (after something to do outside
        the wizard); a flag (``--yes``) stands for it without a terminal."""
        if self._given(key) is not None or self.assume_yes:
            return
        if not self.interactive:
            self._unanswered(key, None)
            return
        self._run_keys(message, "", {}, True)
        self._echo(message)

    def _run_confirm(self, message: str, default: bool) -> bool:
        """questionary's confirm knows only y/n and English: this one takes
        the keys of the user's language, and Enter for the default."""
        keys = {char: True for char in YES_KEYS.get(self.tr.lang, YES_KEYS["en"])}
        keys.update({char: False for char in NO_KEYS.get(self.tr.lang, NO_KEYS["en"])})
        hint = self.tr("(Y/n)") if default else self.tr("(y/N)")
        return bool(self._run_keys(message, hint, keys, default))

    def _run_keys(self, message: str, hint: str, keys: dict[str, Any], enter: Any, *,
                  bare: bool = False) -> Any:
        """A one-key question: each of ``keys`` answers with its value, Enter
        with ``enter``; every other key does nothing."""
        from prompt_toolkit import PromptSession
        from prompt_toolkit.key_binding import KeyBindings
        from prompt_toolkit.keys import Keys
        from questionary.styles import merge_styles_default

        shown, hint = self._message(message, hint)
        bindings = KeyBindings()

        def answer(value: Any):
            def handler(event) -> None:
                event.app.exit(result=value)
            return handler

        for char, value in keys.items():
            bindings.add(char)(answer(value))
        bindings.add(Keys.ControlM, eager=True)(answer(enter))

        @bindings.add(Keys.ControlC, eager=True)
        @bindings.add(Keys.ControlQ, eager=True)
        def cancel(event) -> None:
            event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

        @bindings.add(Keys.Any)
        def ignore(event) -> None:
            """Other keys do nothing (nothing is typed into this question)."""

        tokens = [] if bare else [("class:qmark", "?"), ("class:question", f" {shown} "),
                                  ("class:instruction", hint)]
        session: PromptSession = PromptSession(tokens, key_bindings=bindings,
                                               style=merge_styles_default([None]),
                                               erase_when_done=True)
        try:
            return session.app.run()
        except (KeyboardInterrupt, EOFError):
            raise Cancelled() from None

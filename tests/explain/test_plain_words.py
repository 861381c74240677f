"""Plain words in the explain topics and the findings: short sentences,
and every word a reader may not know explained where a topic first uses it."""

from __future__ import annotations

import re

import pytest

from setupwizard.explain.findings import FINDINGS
from setupwizard.explain.glossary import JARGON
from setupwizard.explain.topics import TOPICS
from setupwizard.i18n import Translator

LIMIT = 20
SHARE = 0.9
SENTENCE_END = re.compile(r"(?<=[.!?])(?:\s+|$)")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def sentences(text: str) -> list[str]:
    """The sentences of ``text``: split after . ! or ? followed by a space or
    the end; placeholders such as {host} are left out."""
    return [s.strip() for s in SENTENCE_END.split(PLACEHOLDER.sub("", text)) if s.strip()]


def words(sentence: str) -> int:
    return sum(1 for w in sentence.split() if re.search(r"\w", w))


def _texts(group: str) -> list[str]:
    if group == "topics":
        return [p for t in TOPICS.values() for p in t.paragraphs]
    return [x for f in FINDINGS.values() for x in (f.explanation, f.fix) if x]


def test_sentences_are_split_and_counted_as_promised():
    assert sentences("One. Two words! {host} three? Version 1.2 stays.") == \
        ["One.", "Two words!", "three?", "Version 1.2 stays."]
    assert words("The server - a computer - answers.") == 5
    long = " ".join(["word"] * 21) + "."
    assert [words(s) > LIMIT for s in sentences(long + " Short one.")] == [True, False]


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("group", ["topics", "findings"])
def test_most_sentences_are_short(group, lang):
    tr = Translator(lang)
    all_sentences = [s for text in _texts(group) for s in sentences(tr(text))]
    long = [s for s in all_sentences if words(s) > LIMIT]
    assert len(long) <= (1 - SHARE) * len(all_sentences), \
        f"{len(long)} of {len(all_sentences)} sentences have more than {LIMIT} " \
        "words:\n" + "\n".join(long)


def unexplained(paragraphs: list[str], lang: str) -> list[str]:
    """Jargon whose first use in ``paragraphs`` is not explained in the same
    sentence or the next one."""
    all_sentences = sentences(" ".join(paragraphs))
    found = []
    for jargon in JARGON:
        term, hint = (jargon.en, jargon.hint_en) if lang == "en" else \
            (jargon.de, jargon.hint_de)
        pattern = re.compile(r"(?<![\w-])" + term, re.IGNORECASE)
        for i, sentence in enumerate(all_sentences):
            if pattern.search(sentence):
                if not re.search(hint, " ".join(all_sentences[i:i + 2]), re.IGNORECASE):
                    found.append(f"{term!r} first in: {sentence}")
                break
    return found


def test_the_jargon_check_finds_an_unexplained_word():
    assert unexplained(["A server offers several services. It is big."], "en")
    assert not unexplained(["A server is a large computer."], "en")


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_every_topic_explains_its_words_at_first_use(topic, lang):
    tr = Translator(lang)
    problems = unexplained([tr(p) for p in TOPICS[topic].paragraphs], lang)
    assert problems == [], "\n".join(problems)

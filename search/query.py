"""Turning what a visitor typed into something safe to hand to the search backend."""

import re
import unicodedata

from wagtail.search.query import And, Phrase, PlainText

from .text import CJK_RUN, segment_cjk

MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 12

# Characters the full-text engines treat as syntax (FTS5 and tsquery operators, quotes,
# brackets) carry no meaning for a visitor's plain-words search: they become spaces.
_SYNTAX = re.compile(r"""["'`^*:()\[\]{}<>|&!~+\-\\/=;,.?@#$%]""")
_PHRASE = re.compile(r'"([^"]*)"')


def _words(text):
    # A run of CJK characters is a word of its own, even when typed against other letters.
    return CJK_RUN.sub(r" \g<0> ", _SYNTAX.sub(" ", text)).split()


def _normalise(raw):
    """NFKC-normalised text without control characters (NUL included), bounded in length."""
    text = unicodedata.normalize("NFKC", raw or "")[: MAX_QUERY_LENGTH * 4]
    return "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)


def clean_query(raw):
    """Return the words worth searching for, or "" when nothing is left.

    The text is normalised so that composed and decomposed accents match, and its length
    and number of words are bounded so that no input can make the query parser recurse or
    the database work unboundedly.
    """
    words = _words(_normalise(raw))
    return " ".join(words[:MAX_QUERY_TERMS])[:MAX_QUERY_LENGTH].strip()


def build_query(raw):
    """The backend query for what a visitor typed: "quoted words" are phrases, the rest
    are words that must all match. Returns (query text to show, query object or None).

    A run of CJK characters ("科技大學") is a phrase of its characters: its words have no
    spaces between them, and the index holds it one character a word (search/text.py).
    """
    text = _normalise(raw)
    if text.count('"') % 2:
        text = text.replace('"', " ")  # an unbalanced quote means no phrase at all
    phrases = [words for words in (_words(p) for p in _PHRASE.findall(text)) if words]
    plain = _words(_PHRASE.sub(" ", text))

    budget = MAX_QUERY_TERMS
    parts, shown = [], []
    for words in phrases:
        if len(words) == 1:  # a quoted single word is just a word
            plain.insert(0, words[0])
            continue
        words = words[:budget]
        if len(words) > 1:
            parts.append(Phrase(segment_cjk(" ".join(words))))
            shown.append(f'"{" ".join(words)}"')
            budget -= len(words)
    plain = plain[: max(budget, 0)]
    runs = [word for word in plain if len(word) > 1 and CJK_RUN.fullmatch(word)]
    parts.extend(Phrase(segment_cjk(run)) for run in runs)
    if others := [word for word in plain if word not in runs]:
        parts.append(PlainText(" ".join(others), operator="and"))
    if plain:
        shown.append(" ".join(plain))
    if not parts:
        return "", None
    display = " ".join(shown)[:MAX_QUERY_LENGTH]
    return display, parts[0] if len(parts) == 1 else And(parts)

"""Snippets of a result's plain text with the searched words marked.

No search backend offers highlighting, so it is done here, on the few results of one page:
the text is escaped first and only then are <mark> tags put around the matched words.
"""

import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from .text import CJK_RUN

SNIPPET_LENGTH = 240


def words_of(query):
    return [word for word in query.split() if word]


def _fold(text):
    """Lower-case without accents, so "Zurich" finds "Zürich"; keeps the text's length."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFD", text)
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Only use the folded text where its characters line up one to one with the original.
    return folded.lower() if len(folded) == len(text) else text.lower()


def _pattern(words):
    # Word starts only: "art" marks "art" and "arts", not "start". CJK text has no spaces
    # between its words, so there a word may start anywhere: "科技" marks "香港科技大學".
    alternatives = "|".join(
        ("" if CJK_RUN.match(word) else r"(?<!\w)") + re.escape(_fold(word))
        for word in sorted(words, key=len, reverse=True)
    )
    return re.compile(f"(?:{alternatives})", re.UNICODE)


def highlight(text, query, length=SNIPPET_LENGTH):
    """An escaped snippet of `text` around the first match, matches wrapped in <mark>."""
    text = " ".join((text or "").split())
    words = words_of(query)
    if not text:
        return ""
    if not words:
        return escape(Truncator(text).chars(length))
    pattern = _pattern(words)
    folded = _fold(text)
    first = pattern.search(folded)
    start = 0
    if first and first.start() > length // 3:
        # Start at a word boundary a little before the first match.
        start = text.rfind(" ", 0, first.start() - length // 4) + 1
    end = min(len(text), start + length)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end

    pieces = []
    position = start
    for match in pattern.finditer(folded, start, end):
        if match.start() < position:
            continue
        match_end = match.start() + len(match.group())
        # Extend to the end of the word the match begins (in CJK text, where words have no
        # end to find, the match is all there is).
        while match_end < end and text[match_end].isalnum() and not CJK_RUN.match(text[match_end]):
            match_end += 1
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f"<mark>{escape(text[match.start() : match_end])}</mark>")
        position = match_end
    pieces.append(escape(text[position:end]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + "".join(pieces) + suffix)  # noqa: S308 - every piece escaped


def contains_match(text, query):
    words = words_of(query)
    return bool(words and text and _pattern(words).search(_fold(text)))

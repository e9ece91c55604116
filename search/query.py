"""Turning what a visitor typed into something safe to hand to the search backend."""

import re
import unicodedata

MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 12

# Characters the full-text engines treat as syntax (FTS5 and tsquery operators, quotes,
# brackets) carry no meaning for a visitor's plain-words search: they become spaces.
_SYNTAX = re.compile(r"""["'`^*:()\[\]{}<>|&!~+\-\\/=;,.?@#$%]""")


def clean_query(raw):
    """Return the words worth searching for, or "" when nothing is left.

    Control characters (NUL included) are dropped, the text is normalised so that
    composed and decomposed accents match, and its length and number of words are
    bounded so that no input can make the query parser recurse or the database work
    unboundedly.
    """
    text = unicodedata.normalize("NFKC", raw or "")[: MAX_QUERY_LENGTH * 4]
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    words = _SYNTAX.sub(" ", text).split()
    return " ".join(words[:MAX_QUERY_TERMS])[:MAX_QUERY_LENGTH].strip()

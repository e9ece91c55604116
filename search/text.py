"""Chinese, Japanese and Korean text cut into characters, so that full-text search finds words
inside a run of them.

Neither search engine segments these scripts: FTS5's unicode61 tokenizer and PostgreSQL's
parser both index "香港科技大學" (no spaces between its words) as one word, so a search for
"科技大學" matches nothing. With a space around each such character, every character is a
word of its own, and a query for the characters side by side (a phrase) finds the run.
"""

import re

# Han (with the iteration mark 々 and the ideographic zero 〇), Hiragana, Katakana (with its
# half-width forms) and Hangul syllables. Hangul's conjoining jamo are left out: split apart
# they would no longer make up the syllables that a query typed as syllables asks for.
CJK_CHARACTER = (
    "\u3005\u3007"
    "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7a3"
    "\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f"
)
CJK_RUN = re.compile(f"[{CJK_CHARACTER}]+")
# Between a CJK character and any other character that is not already a space.
_BOUNDARY = re.compile(f"(?<=[{CJK_CHARACTER}])(?=\\S)|(?<=\\S)(?=[{CJK_CHARACTER}])")


def segment_cjk(text):
    """`text` with a space on each side of every CJK character that lacks one."""
    # Every indexed text passes through here: most have no CJK, and the test is quick.
    if text.isascii() or not CJK_RUN.search(text):
        return text
    return _BOUNDARY.sub(" ", text)


# PostgreSQL's text parser reads "<word …>" as an XML tag and indexes none of its words: a
# title such as "Why <html> still matters" would not be found by "html".
_ANGLE_BRACKETS = str.maketrans("<>", "  ")


def searchable_text(text):
    """Text as it is indexed, on every backend: angle brackets as spaces (the query loses
    them too, search/query.py) and CJK characters segmented."""
    return segment_cjk(text.translate(_ANGLE_BRACKETS))


def is_cjk(text):
    """Whether `text` is made of CJK characters only."""
    return bool(CJK_RUN.fullmatch(text))

"""Wagtail's database search backend, with a title match worth clearly more than a match
in the text, on SQLite and on PostgreSQL.

SQLite's FTS5 backend ranks with bm25() over all columns equally, so a word in a story's
title counted no more than the same word in its body. PostgreSQL's backend weights the
fields by boost but scales the title's rank down by its length, so a story with a long
title matching a word ranked below one with the word in its intro. Here the title
counts for more on both: a visitor searching for a word expects the stories about it
(the word in their title) first.
"""

import copy
import json
import sys
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import F
from django.db.models.expressions import CombinedExpression
from modelsearch.query import And, Phrase, PlainText
from wagtail.search.backends.database import SearchBackend as database_backend

from .text import searchable_text, segment_cjk

# bm25() takes one weight per FTS5 column, in the table's order: autocomplete, body, title.
SQLITE_COLUMN_WEIGHTS = (0.0, 1.0, 10.0)
POSTGRES_TITLE_WEIGHT = 4.0
# Porter leaves at least this much of a word (search migration 0001 stems on SQLite), and
# rarely takes more than this many letters off the part of a word a visitor has typed.
SHORTEST_STEM = 3
STEM_SLACK = 4
# PostgreSQL finds the newest matches either by walking back from the newest entry, testing
# each entry's words, or by reading every match from the GIN index and sorting them (see
# newest_entry_ids). Testing an entry while walking costs about this many times as much as
# reading a match from the index: measured with EXPLAIN ANALYZE at 100,000 stories, about
# 25 µs against 1 µs for a story's text (2 kB vectors), 3.5 µs for its autocomplete words.
WALK_TEST_COST = {"text": 25, "autocomplete": 4}


def best_matches(results, window):
    """The ids of the pages that best match a search (`pages.search(query)`) or an
    autocomplete (`pages.autocomplete(query)`), best first, and whether more matched.

    A common word can match most of an archive of 100,000 stories, and scoring every match
    would take the database backends a second or more. So when more than `window` pages
    match, only the newest `window` of them (by when they entered the search index) are
    ranked: the best of the recent stories, which is what a news site's visitor looks for
    when their word is in thousands of stories. Other backends (OpenSearch) rank them all.
    """
    if hasattr(results, "best_ids") and (found := results.best_ids(window)) is not None:
        return found
    ranked = [page.pk for page in results[: window + 1]]
    return ranked[:window], len(ranked) > window


def words_only(query):
    """The query with each phrase turned into its words, in any order.

    A phrase's window (best_matches) is the newest pages with all its words: checking
    where the words stand needs each page's whole text, which the databases then read for
    the window's pages only, not for every page with the words (seconds on PostgreSQL
    for two common words at 100,000 stories).
    """
    if isinstance(query, Phrase):
        return PlainText(query.query_string, operator="and")
    if isinstance(query, And):
        return And([words_only(subquery) for subquery in query.subqueries])
    return query


def SearchBackend(params):  # noqa: N802 - Wagtail imports the backend by this name
    if connection.vendor == "postgresql":
        params = {"SEARCH_CONFIG": POSTGRES_SEARCH_CONFIG, **params}
    backend = database_backend(params)
    name = type(backend).__name__
    if connection.vendor == "sqlite" and name == "SQLiteSearchBackend":
        (
            backend.query_compiler_class,
            backend.autocomplete_query_compiler_class,
            backend.results_class,
        ) = _sqlite_backend_classes()
        _segment_cjk(backend)
    elif connection.vendor == "postgresql" and name == "PostgresSearchBackend":
        backend.query_compiler_class, backend.results_class = _postgres_backend_classes()
        backend.autocomplete_config = POSTGRES_AUTOCOMPLETE_CONFIG
        _segment_cjk(backend)
    return backend


def _sqlite_backend_classes():
    # Imported here: these modules define models that exist only on SQLite.
    from modelsearch.backends.database.sqlite.query import (
        BM25,
        Lexeme,
        MatchExpression,
        SearchQueryExpression,
        normalize,
    )
    from modelsearch.backends.database.sqlite.sqlite import (
        SQLiteAutocompleteQueryCompiler,
        SQLiteFTSIndexEntry,
        SQLiteSearchQueryCompiler,
        SQLiteSearchResults,
    )
    from modelsearch.query import MatchAll, Not, Phrase, PlainText
    from modelsearch.utils import get_descendants_content_types_pks

    class WeightedBM25(BM25):
        def as_sql(self, compiler, connection, function=None, template=None):
            weights = ", ".join(str(weight) for weight in SQLITE_COLUMN_WEIGHTS)
            return f"bm25({SQLiteFTSIndexEntry._meta.db_table}, {weights})", []

    class RankedIdsMixin:
        def ranked_object_ids(self, config, window=None):
            """Ids of the matching objects, best first, from one full-text query, and whether
            older matches were left out of a window; None for queries this does not handle
            (match all, negations).

            With a window, only the newest `window` matches are ranked (see best_ids).
            """
            query = normalize(self.query)
            if isinstance(query, (MatchAll, Not)):
                return None
            content_types = get_descendants_content_types_pks(self.queryset.model)

            def entries_matching(query):
                match = MatchExpression(
                    self.fields or self.FTS_TABLE_FIELDS, self.build_search_query(query, config)
                )
                return SQLiteFTSIndexEntry.objects.filter(match).filter(
                    index_entry__content_type__in=content_types
                )

            matches = entries_matching(query)
            left_out = False
            if window:
                # FTS5 walks its rowids newest first and stops at the window's edge: no
                # score is computed for the older matches. The edge of a phrase's window
                # is found by its words alone (see words_only).
                newest = (
                    entries_matching(words_only(query))
                    .order_by("-index_entry_id")
                    .values_list("index_entry_id")
                )
                edge = [entry for (entry,) in newest[window - 1 : window + 1]]
                if edge:
                    matches = matches.filter(index_entry_id__gte=edge[0])
                left_out = len(edge) > 1
            ranked = (
                matches.annotate(
                    score=self._build_rank_expression(self.get_search_vectors(), config)
                )
                .order_by("score")
                .values_list("index_entry__object_id", flat=True)
            )
            return ranked, left_out

    class WeightedQueryCompiler(RankedIdsMixin, SQLiteSearchQueryCompiler):
        def _build_rank_expression(self, vectors, config):
            # The stock sum, bm25 * title_norm + bm25 * 1, has bm25 (which ignores the
            # vector) computed twice for every match: here it is computed once.
            boosts = [boost for _, boost in vectors]
            total = boosts[0]
            for boost in boosts[1:]:
                total = total + boost
            return self.build_tsrank(None, self.query, config=config) * total

        def build_tsrank(self, vector, query, config=None, boost=1.0):
            if isinstance(query, (Phrase, PlainText, Not)):
                rank = WeightedBM25()
                return rank * boost if boost != 1.0 else rank
            return super().build_tsrank(vector, query, config=config, boost=boost)

    class TypedWord(Lexeme):
        """The word being typed, as the beginning of a word, a few letters short.

        The FTS table stems what it indexes (search migration 0001): "university" is
        there as "univers" and "engineering" as "engin", which "universit" and
        "engineeri" are no beginnings of. A stem rarely lacks more than the last
        STEM_SLACK letters of a word typed past it, so those are left out. That finds
        other words too ("universe"): the suggestions view keeps only titles with a word
        that starts as typed.
        """

        def as_sql(self, compiler, connection):
            start = self.value[: max(SHORTEST_STEM, len(self.value) - STEM_SLACK)]
            return '"%s"*', [start.replace('"', '""')]

    class AutocompleteQueryCompiler(RankedIdsMixin, SQLiteAutocompleteQueryCompiler):
        def build_search_query_content(self, query, config=None):
            if not isinstance(query, PlainText) or not query.query_string.split():
                return super().build_search_query_content(query, config=config)
            *words, typed = query.query_string.split()
            lexemes = TypedWord(typed)
            for word in words:
                lexemes &= Lexeme(word)
            return SearchQueryExpression(lexemes, config=config)

    class RankedSearchResults(SQLiteSearchResults):
        """Results in relevance order without a score subquery per row.

        The stock backend orders by a correlated subquery that runs the full-text match
        again for every matching row: minutes for a common word among 10,000 stories. Here
        the ranking is read once from the full-text index, and the page's filters (live,
        public, in this site) are applied to it as a set.
        """

        def _do_search(self):
            compiler = self.query_compiler
            found = None
            if compiler.order_by_relevance and self._score_field is None:
                found = compiler.ranked_object_ids(compiler.get_config(self.backend))
            if found is None:
                return super()._do_search()
            ranked_ids, _ = found
            ranked = list(ranked_ids)
            allowed = compiler.queryset.filter(pk__in=ranked_ids.order_by())
            allowed = {str(pk) for pk in allowed.values_list("pk", flat=True)}
            window = [pk for pk in ranked if pk in allowed][self.start : self.stop]
            found = compiler.queryset.in_bulk([int(pk) for pk in window])
            return [found[int(pk)] for pk in window if int(pk) in found]

        def best_ids(self, window):
            compiler = self.query_compiler
            found = compiler.ranked_object_ids(compiler.get_config(self.backend), window=window)
            if found is None:
                return None
            ranked, left_out = found
            ids = [int(pk) for pk in ranked]
            allowed = set(compiler.queryset.filter(pk__in=ids).values_list("pk", flat=True))
            return [pk for pk in ids if pk in allowed], left_out

        def _do_count(self):
            compiler = copy.copy(self.query_compiler)
            compiler.order_by_relevance = False  # counting needs no scores
            return compiler.search(compiler.get_config(self.backend), None, None).count()

    return WeightedQueryCompiler, AutocompleteQueryCompiler, RankedSearchResults


def _postgres_backend_classes():
    from modelsearch.backends.database.postgres.postgres import (
        PostgresAutocompleteQueryCompiler,
        PostgresSearchQueryCompiler,
        PostgresSearchResults,
    )
    from modelsearch.utils import get_descendants_content_types_pks
    from wagtail.search.models import IndexEntry

    class WeightedQueryCompiler(PostgresSearchQueryCompiler):
        def get_index_vectors(self, search_query):
            title, body = super().get_index_vectors(search_query)
            return [(title[0], title[1] * POSTGRES_TITLE_WEIGHT), body]

    def newest_entry_ids(matching_text, content_types, count, vectors):
        """The ids of the newest `count` of these full-text matches (`matching_text`, index
        entries) of pages of these content types, newest first.

        PostgreSQL's planner counts testing an entry's text as nearly free, but it means
        reading its vector from TOAST storage (migration 0003). Left to itself, it walks
        the primary key backwards testing every entry, reading a sixth of the archive for
        a word in one story of six, or reads the whole table for a word in nearly every
        story: a second at 100,000 stories. Its estimate of how many entries match is
        good, so the plan is chosen here from it, by cost: walking back tests about
        count / share entries (share: the part of all entries that match), each costing
        WALK_TEST_COST[vectors]; reading the matches from the GIN index (migration 0002)
        costs one unit per match. So walking wins when the matches are many: when
        matching² > cost × count × total.
        """
        matching, total = explained_rows(matching_text, IndexEntry.objects.all())
        walk = matching**2 >= WALK_TEST_COST[vectors] * count * total
        # The content type is compared as an expression (+ 0), which its index cannot
        # answer: at 10,000 stories the planner otherwise took every page's entry from
        # that index and tested each one's words (half a second), rather than the matches
        # from the full-text index. (Hence the estimate above without it: the planner
        # guesses an expression's share.)
        entries = matching_text.alias(kind=F("content_type_id") + 0).filter(kind__in=content_types)
        with planner_settings(
            {"enable_seqscan": "off", "enable_indexscan": "on" if walk else "off"}
        ):
            return list(entries.order_by("-pk").values_list("pk", flat=True)[:count])

    class WindowedSearchResults(PostgresSearchResults):
        def best_ids(self, window):
            """See best_matches: the newest `window` matches, ranked.

            Read from the index entries alone, as on SQLite: the stock query joins every
            matching entry to its page (by an id cast to text) before it ranks them.
            """
            compiler = self.query_compiler
            if not isinstance(compiler.query, (PlainText, Phrase, And)):
                return None
            config = compiler.get_config(self.backend)
            search_query = compiler.build_tsquery(compiler.query, config=config)
            if isinstance(compiler, PostgresAutocompleteQueryCompiler):
                kind = "autocomplete"
                text = F("autocomplete")
                vectors = [(text, 1.0)]
            else:
                kind = "text"
                # The compiler's own expression, so that the index on it (migration 0002)
                # serves.
                text = CombinedExpression(F("title"), "||", F("body"))
                vectors = [(F("title"), F("title_norm") * POSTGRES_TITLE_WEIGHT), (F("body"), 1.0)]
            content_types = get_descendants_content_types_pks(compiler.queryset.model)

            def entries_matching(search_query):
                return IndexEntry.objects.alias(text=text).filter(text=search_query)

            # The window is found by a phrase's words alone (see words_only).
            loose_query = compiler.build_tsquery(words_only(compiler.query), config=config)
            newest = newest_entry_ids(
                entries_matching(loose_query), content_types, window + 1, kind
            )
            matches = entries_matching(search_query).filter(pk__in=newest[:window])
            rank = compiler._build_rank_expression(vectors, config)
            ranked = matches.annotate(rank=rank).order_by("-rank", "-pk")
            ids = [int(pk) for pk in ranked.values_list("object_id", flat=True)]
            allowed = set(compiler.queryset.filter(pk__in=ids).values_list("pk", flat=True))
            return [pk for pk in ids if pk in allowed], len(newest) > window

    return WeightedQueryCompiler, WindowedSearchResults


def explained_rows(queryset, *others):
    """How many rows PostgreSQL's planner expects each queryset to return, from one EXPLAIN
    of their ids one after the other (UNION ALL): its plan appends one plan per queryset."""
    ids = [each.order_by().values_list("pk") for each in (queryset, *others)]
    plan = json.loads(ids[0].union(*ids[1:], all=True).explain(format="json"))[0]["Plan"]
    return [part["Plan Rows"] for part in plan["Plans"]]


@contextmanager
def planner_settings(settings):
    """PostgreSQL's planner settings changed for the queries in the block, by one statement.

    Set for the transaction and put back afterwards: the block's own transaction ends
    with it, a caller's gets them back by one more statement. No savepoint: after an
    error in the block, a caller's transaction is rolled back whole, and the settings
    with it.
    """
    names = list(settings)
    caller_transaction = connection.in_atomic_block
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        columns = ", ".join(["current_setting(%s), set_config(%s, %s, true)"] * len(names))
        cursor.execute(
            f"SELECT {columns}", [arg for name in names for arg in (name, name, settings[name])]
        )
        previous = cursor.fetchone()[::2]
        yield
        if caller_transaction:
            cursor.execute(
                "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(names)),
                [arg for pair in zip(names, previous, strict=True) for arg in pair],
            )


# Text search configurations created by search/migrations/0001: english stemming (or none,
# for autocomplete: a stem would not be a prefix of what the visitor is typing), both with
# accents removed first, so that "Zurich" finds "Zürich" as it does on SQLite.
POSTGRES_SEARCH_CONFIG = "university"
POSTGRES_AUTOCOMPLETE_CONFIG = "university_simple"


class _SegmentingIndexerMixin:
    def prepare_field(self, obj, field):
        # The indexer asks for every field three times (for the title, the text and the
        # autocomplete): a StreamField body is turned into text once, not three times.
        prepared = self.__dict__.setdefault("_prepared_fields", {})
        key = (id(obj), id(field))
        if key not in prepared:
            values = [
                (*described, searchable_text(value))
                for *described, value in super().prepare_field(obj, field)
            ]
            prepared[key] = (obj, values)  # obj kept alive, so that its id stays its own
        yield from prepared[key][1]


class _SegmentingQueryMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.query = _segmented_query(self.query)


def _segment_cjk(backend):
    """Index and search Chinese, Japanese and Korean text one character a word (see
    search/text.py), on both sides: what is indexed and every query, the admin's search and
    autocomplete included, so that they meet.

    modelsearch builds its ObjectIndexer by the module-level name, in add_items, with no
    attribute of the backend or index to swap it by; the alternative, copying add_items,
    would drift from modelsearch. So the module's name is pointed at a subclass, once.
    """
    module = sys.modules[type(backend).__module__]
    if not issubclass(module.ObjectIndexer, _SegmentingIndexerMixin):
        module.ObjectIndexer = type(
            "ObjectIndexer", (_SegmentingIndexerMixin, module.ObjectIndexer), {}
        )
    for attribute in ("query_compiler_class", "autocomplete_query_compiler_class"):
        compiler_class = getattr(backend, attribute)
        if not issubclass(compiler_class, _SegmentingQueryMixin):
            segmenting = type(compiler_class.__name__, (_SegmentingQueryMixin, compiler_class), {})
            setattr(backend, attribute, segmenting)


def _segmented_query(query):
    """A copy of the query tree with the CJK characters in its text spaced apart."""
    query = copy.copy(query)
    if isinstance(getattr(query, "query_string", None), str):
        query.query_string = segment_cjk(query.query_string)
    if hasattr(query, "subqueries"):
        query.subqueries = [_segmented_query(subquery) for subquery in query.subqueries]
    if hasattr(query, "subquery"):
        query.subquery = _segmented_query(query.subquery)
    return query

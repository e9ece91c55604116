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

from django.db import connection
from wagtail.search.backends.database import SearchBackend as database_backend

# bm25() takes one weight per FTS5 column, in the table's order: autocomplete, body, title.
SQLITE_COLUMN_WEIGHTS = (0.0, 1.0, 10.0)
POSTGRES_TITLE_WEIGHT = 4.0


def SearchBackend(params):  # noqa: N802 - Wagtail imports the backend by this name
    backend = database_backend(params)
    name = type(backend).__name__
    if connection.vendor == "sqlite" and name == "SQLiteSearchBackend":
        (
            backend.query_compiler_class,
            backend.autocomplete_query_compiler_class,
            backend.results_class,
        ) = _sqlite_backend_classes()
    elif connection.vendor == "postgresql" and name == "PostgresSearchBackend":
        backend.query_compiler_class = _postgres_compiler()
    return backend


def _sqlite_backend_classes():
    # Imported here: these modules define models that exist only on SQLite.
    from modelsearch.backends.database.sqlite.query import BM25, MatchExpression, normalize
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
        def ranked_object_ids(self, config):
            """Ids of the matching objects, best first, from one full-text query; None for
            queries this does not handle (match all, negations)."""
            query = normalize(self.query)
            if isinstance(query, (MatchAll, Not)):
                return None
            match = MatchExpression(
                self.fields or self.FTS_TABLE_FIELDS, self.build_search_query(query, config)
            )
            content_types = get_descendants_content_types_pks(self.queryset.model)
            return (
                SQLiteFTSIndexEntry.objects.filter(match)
                .filter(index_entry__content_type__in=content_types)
                .annotate(score=self._build_rank_expression(self.get_search_vectors(), config))
                .order_by("score")
                .values_list("index_entry__object_id", flat=True)
            )

    class WeightedQueryCompiler(RankedIdsMixin, SQLiteSearchQueryCompiler):
        def build_tsrank(self, vector, query, config=None, boost=1.0):
            if isinstance(query, (Phrase, PlainText, Not)):
                rank = WeightedBM25()
                return rank * boost if boost != 1.0 else rank
            return super().build_tsrank(vector, query, config=config, boost=boost)

    class AutocompleteQueryCompiler(RankedIdsMixin, SQLiteAutocompleteQueryCompiler):
        pass

    class RankedSearchResults(SQLiteSearchResults):
        """Results in relevance order without a score subquery per row.

        The stock backend orders by a correlated subquery that runs the full-text match
        again for every matching row: minutes for a common word among 10,000 stories. Here
        the ranking is read once from the full-text index, and the page's filters (live,
        public, in this site) are applied to it as a set.
        """

        def _do_search(self):
            compiler = self.query_compiler
            ranked_ids = None
            if compiler.order_by_relevance and self._score_field is None:
                ranked_ids = compiler.ranked_object_ids(compiler.get_config(self.backend))
            if ranked_ids is None:
                return super()._do_search()
            ranked = list(ranked_ids)
            allowed = compiler.queryset.filter(pk__in=ranked_ids.order_by())
            allowed = {str(pk) for pk in allowed.values_list("pk", flat=True)}
            window = [pk for pk in ranked if pk in allowed][self.start : self.stop]
            found = compiler.queryset.in_bulk([int(pk) for pk in window])
            return [found[int(pk)] for pk in window if int(pk) in found]

        def _do_count(self):
            compiler = copy.copy(self.query_compiler)
            compiler.order_by_relevance = False  # counting needs no scores
            return compiler.search(compiler.get_config(self.backend), None, None).count()

    return WeightedQueryCompiler, AutocompleteQueryCompiler, RankedSearchResults


def _postgres_compiler():
    from modelsearch.backends.database.postgres.postgres import PostgresSearchQueryCompiler

    class WeightedQueryCompiler(PostgresSearchQueryCompiler):
        def get_index_vectors(self, search_query):
            title, body = super().get_index_vectors(search_query)
            return [(title[0], title[1] * POSTGRES_TITLE_WEIGHT), body]

    return WeightedQueryCompiler

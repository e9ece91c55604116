"""Wagtail's database search backend, with a title match worth clearly more than a match
in the text, on SQLite and on PostgreSQL.

SQLite's FTS5 backend ranks with bm25() over all columns equally, so a word in a story's
title counted no more than the same word in its body. PostgreSQL's backend weights the
fields by boost but scales the title's rank down by its length, so a story with a long
title matching a word ranked below one with the word in its intro. Here the title
counts for more on both: a visitor searching for a word expects the stories about it
(the word in their title) first.
"""

from django.db import connection
from wagtail.search.backends.database import SearchBackend as database_backend

# bm25() takes one weight per FTS5 column, in the table's order: autocomplete, body, title.
SQLITE_COLUMN_WEIGHTS = (0.0, 1.0, 10.0)
POSTGRES_TITLE_WEIGHT = 4.0


def SearchBackend(params):  # noqa: N802 - Wagtail imports the backend by this name
    backend = database_backend(params)
    name = type(backend).__name__
    if connection.vendor == "sqlite" and name == "SQLiteSearchBackend":
        backend.query_compiler_class = _sqlite_compiler()
    elif connection.vendor == "postgresql" and name == "PostgresSearchBackend":
        backend.query_compiler_class = _postgres_compiler()
    return backend


def _sqlite_compiler():
    # Imported here: these modules define models that exist only on SQLite.
    from modelsearch.backends.database.sqlite.query import BM25
    from modelsearch.backends.database.sqlite.sqlite import (
        SQLiteFTSIndexEntry,
        SQLiteSearchQueryCompiler,
    )
    from modelsearch.query import Not, Phrase, PlainText

    class WeightedBM25(BM25):
        def as_sql(self, compiler, connection, function=None, template=None):
            weights = ", ".join(str(weight) for weight in SQLITE_COLUMN_WEIGHTS)
            return f"bm25({SQLiteFTSIndexEntry._meta.db_table}, {weights})", []

    class WeightedQueryCompiler(SQLiteSearchQueryCompiler):
        def build_tsrank(self, vector, query, config=None, boost=1.0):
            if isinstance(query, (Phrase, PlainText, Not)):
                rank = WeightedBM25()
                return rank * boost if boost != 1.0 else rank
            return super().build_tsrank(vector, query, config=config, boost=boost)

    return WeightedQueryCompiler


def _postgres_compiler():
    from modelsearch.backends.database.postgres.postgres import PostgresSearchQueryCompiler

    class WeightedQueryCompiler(PostgresSearchQueryCompiler):
        def get_index_vectors(self, search_query):
            title, body = super().get_index_vectors(search_query)
            return [(title[0], title[1] * POSTGRES_TITLE_WEIGHT), body]

    return WeightedQueryCompiler

"""Full-text search that folds accents on PostgreSQL and stems English words on SQLite.

PostgreSQL: two text search configurations that strip accents before anything else, so
"Zurich" finds "Zürich": `university` stems English words (for searching), and
`university_simple` does not (for autocomplete, where a stem would not be a prefix of what
the visitor typed). search/backends.py uses them by these names.

SQLite: the FTS5 table, which Wagtail creates with the unicode61 tokenizer alone, is created
again with the porter stemmer in front of it (so "swimmers" finds "swimmer") and filled
from the index entries. The triggers that keep it in step with the index entries name the
table, not its definition, so they go on working.

Index entries written before this migration hold text that was not segmented (see
search/text.py), and on PostgreSQL vectors built with the old configuration: run
`manage.py update_index` after migrating.
"""

from django.db import migrations

POSTGRES_CONFIGURATIONS = {
    # name: (configuration copied, dictionary after unaccent)
    "university": ("pg_catalog.english", "english_stem"),
    "university_simple": ("pg_catalog.simple", "simple"),
}
# Porter stems what unicode61 has split into words and folded (remove_diacritics 2 also
# folds letters with several accents). FTS5 has one tokenizer a table, so the autocomplete
# column is stemmed too (see tests/test_search_language.py for what that costs).
SQLITE_STEMMING_TOKENIZER = "porter unicode61 remove_diacritics 2"
# Suggestions ask for words by their first letters ("re", "oc", "qua"): without these
# prefix indexes FTS5 merges the lists of every word that starts so, 0.1 s and more for
# "re" at 100,000 stories.
SQLITE_PREFIX_INDEXES = ", prefix = '2 3 4'"
SQLITE_WAGTAIL_TOKENIZER = "unicode61"  # FTS5's default, which Wagtail's migration uses


def _postgres_forwards(schema_editor):
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    with schema_editor.connection.cursor() as cursor:
        for name, (copied, dictionary) in POSTGRES_CONFIGURATIONS.items():
            # CREATE TEXT SEARCH CONFIGURATION has no IF NOT EXISTS.
            cursor.execute(
                "SELECT 1 FROM pg_ts_config WHERE cfgname = %s AND pg_ts_config_is_visible(oid)",
                [name],
            )
            if cursor.fetchone() is None:
                cursor.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {copied})")
            # Words with non-ASCII letters only: ASCII words have no accents to remove.
            cursor.execute(
                f"ALTER TEXT SEARCH CONFIGURATION {name} "
                f"ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {dictionary}"
            )


def _postgres_backwards(schema_editor):
    # The unaccent extension stays: Wagtail's fuzzy search may use it too.
    for name in POSTGRES_CONFIGURATIONS:
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")


def _rebuild_sqlite_fts_table(apps, schema_editor, tokenizer, options=""):
    entries = apps.get_model("wagtailsearch", "IndexEntry")._meta.db_table
    fts = f"{entries}_fts"
    with schema_editor.connection.cursor() as cursor:
        # Wagtail creates no FTS table where SQLite lacks FTS5: nothing to rebuild then.
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [fts])
        if cursor.fetchone() is None:
            return
        cursor.execute(f"DROP TABLE {fts}")
        cursor.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5(autocomplete, body, title, "
            f"tokenize = '{tokenizer}'{options})"
        )
        cursor.execute(
            f"INSERT INTO {fts}(rowid, title, body, autocomplete) "  # noqa: S608 - names, no input
            f"SELECT id, title, body, autocomplete FROM {entries}"
        )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _postgres_forwards(schema_editor)
    elif schema_editor.connection.vendor == "sqlite":
        _rebuild_sqlite_fts_table(
            apps, schema_editor, SQLITE_STEMMING_TOKENIZER, SQLITE_PREFIX_INDEXES
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _postgres_backwards(schema_editor)
    elif schema_editor.connection.vendor == "sqlite":
        _rebuild_sqlite_fts_table(apps, schema_editor, SQLITE_WAGTAIL_TOKENIZER)


class Migration(migrations.Migration):
    dependencies = [
        # The index entries, and on SQLite their FTS table and its triggers.
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

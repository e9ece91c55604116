"""PostgreSQL: an index on a page's title and text vectors together.

Wagtail's PostgreSQL backend matches a query against `title || body`, but indexes the two
vectors apart, so every search read every index entry: a second or more at 100,000
stories. With this index the database finds the matches through it (best_matches in
search/backends.py depends on it). Nothing to do on SQLite, whose FTS5 table is the index.
"""

from django.db import migrations

INDEX = "search_title_and_body"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = apps.get_model("wagtailsearch", "IndexEntry")._meta.db_table
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} USING gin ((title || body))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_language_aware_full_text_search")]

    operations = [migrations.RunPython(create_index, drop_index)]

"""PostgreSQL: keep each index entry's text vectors out of the table's own pages.

A story's text vector is about 2 kB, just under the size at which PostgreSQL moves a
value to its TOAST storage, so most entries kept it in the row and the table was 180 MB
at 100,000 stories. Finding the newest matches of a search (best_matches in
search/backends.py) reads the matching rows through the GIN index for their ids only:
with the vectors moved out, those rows fill 14 MB, and a word in one story of six is
found in 16 ms instead of 70.

The setting applies to entries written from now on; `manage.py update_index` rewrites
the existing ones. Nothing to do on SQLite.
"""

from django.db import migrations


def table(apps):
    return apps.get_model("wagtailsearch", "IndexEntry")._meta.db_table


def move_vectors_out(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {table(apps)} SET (toast_tuple_target = 128)")


def keep_vectors_in(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {table(apps)} RESET (toast_tuple_target)")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_index_title_and_body_together")]

    operations = [migrations.RunPython(move_vectors_out, keep_vectors_in)]

"""The whole site's content in one file, and back: `manage.py export_content` and
`manage.py import_content` (site_config/management/commands).

An archive is a ZIP file:

    manifest.json   what the archive is: FORMAT and VERSION, when it was made, the
                    Django, Wagtail and Python versions, the database's applied migrations,
                    the number of rows of each model, and each media file's size and SHA-256
    content.jsonl   every row of every archived model, one JSON object a line, in Django's
                    "jsonl" serialization: primary keys kept, and references to content
                    types, permissions, groups and users written by natural key (content
                    type and permission ids differ from one database to another)
    media/<name>    each file a row names (original images, their renditions, documents),
                    under its name in the storage

What is archived: every model of every installed app (pages and their revisions, the
page tree, locales, sites, collections, images, renditions, documents, snippets and the
apps' records, site settings, redirects, search promotions and search terms, embeds,
groups, workflows, comments, the audit log), a model an app adds later included, except
NOT_ARCHIVED. Renditions are archived with their files, though Wagtail could make them
again: the restored pages then name the very same files, even where the old renditions
are still in the media storage (a new one would be saved under another name there), and a
restored site does not render every image again on its first visits.

User accounts are archived without their password hashes unless `with_passwords`:
pages, revisions and comments name their authors. On import an account whose username
the database has already is that account; the others are created, with no usable
password unless the archive holds one (`manage.py changepassword` gives one).

Import goes into an empty database: one freshly migrated, or flushed. Wagtail's
migrations create a root page and a welcome page, a site, a locale, the root collection,
two groups and a workflow; those rows are replaced by the archive's, and anything more is
content, which import refuses to overwrite. It runs in one transaction, then rebuilds the
reference index and the search index, and starts a new content generation (every cached
page is then out of date).
"""

import datetime
import hashlib
import io
import json
import platform
import zipfile
from collections import Counter
from pathlib import Path, PurePosixPath

import django
import wagtail
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers import jsonl
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from wagtail.models import Page, Revision

from . import content_cache

FORMAT = "university-site-content"
VERSION = 1
MANIFEST = "manifest.json"
CONTENT = "content.jsonl"
MEDIA = "media"

# Models whose rows are not archived, and why.
NOT_ARCHIVED = {
    # Each database has its own; references to them are written by natural key.
    "contenttypes.contenttype",
    "auth.permission",
    # Who is logged in, has a page open in the editor or a preview's form, now.
    "sessions.session",
    "wagtailadmin.editingsession",
    "wagtailadmin.formstate",
    # Files uploaded but not yet made into images or documents.
    "wagtailcore.uploadedfile",
    # Credentials: a restored site issues its own.
    "wagtailcore.apitoken",
    # Built from the content after import, as the search index is.
    "wagtailcore.referenceindex",
    # Each account's own preferences in the admin (notifications, theme, avatar).
    "wagtailusers.userprofile",
}
# Apps none of whose models are archived: the search index (its entries, and on SQLite
# their full-text table), built from the content after import; django-axes's login
# attempts and lockouts.
NOT_ARCHIVED_APPS = {"wagtailsearch", "axes"}

# What Wagtail's migrations put in a new database, besides its root and welcome pages:
# these models may hold rows there, and import replaces them. Pages of other types than
# Page itself, and rows of any other model, are content.
INITIAL_ROWS = {
    "auth.group",
    "wagtailcore.collection",
    "wagtailcore.groupapprovaltask",
    "wagtailcore.groupcollectionpermission",
    "wagtailcore.grouppagepermission",
    "wagtailcore.locale",
    "wagtailcore.site",
    "wagtailcore.task",
    "wagtailcore.workflow",
    "wagtailcore.workflowcontenttype",
    "wagtailcore.workflowpage",
    "wagtailcore.workflowtask",
}

# What import reads in the manifest, besides its format and version.
MANIFEST_ENTRIES = {"migrations": list, "content_types": dict, "counts": dict, "media": dict}
CHUNK_SIZE = 1000
COPY_BUFFER = 1024 * 1024


class ArchiveError(Exception):
    """The archive cannot be made or imported, for the reason given."""


def archived_models():
    """Every model whose rows an archive holds, those with natural keys (groups, users)
    before the models that refer to them."""
    chosen = [
        model
        for model in apps.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label_lower not in NOT_ARCHIVED
        and model._meta.app_label not in NOT_ARCHIVED_APPS
    ]
    return serializers.sort_dependencies([(None, chosen)], allow_cycles=True)


def file_fields(model):
    return [field for field in model._meta.concrete_fields if isinstance(field, models.FileField)]


# Export


def export_archive(path, *, with_passwords=False, log=print):
    """Write the site's content to a new archive at `path`; returns the manifest."""
    # "x": never over an existing file, which may be the only copy of another archive.
    archive = zipfile.ZipFile(path, "x", compression=zipfile.ZIP_DEFLATED)
    try:
        with archive:
            return _write_archive(archive, with_passwords, log)
    except BaseException:
        Path(path).unlink()  # Half an archive.
        raise


def _write_archive(archive, with_passwords, log):
    counts = Counter()
    media = {}
    with transaction.atomic():
        _read_one_moment()
        with (
            archive.open(CONTENT, "w") as member,
            io.TextIOWrapper(member, encoding="utf-8") as content,
        ):
            for model in archived_models():
                if written := _write_rows(content, model, with_passwords, media):
                    counts[model._meta.label_lower] = written
        _write_media(archive, media, log)
        applied = MigrationRecorder(connection).applied_migrations()
        content_types = list(ContentType.objects.order_by("pk"))
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "versions": {
            "django": django.__version__,
            "wagtail": wagtail.__version__,
            "python": platform.python_version(),
        },
        "database": connection.vendor,
        "migrations": sorted(f"{app}.{name}" for app, name in applied),
        # Revisions keep a copy of their object's fields, content type ids among them.
        "content_types": {str(each.pk): list(each.natural_key()) for each in content_types},
        "passwords": with_passwords,
        "counts": dict(sorted(counts.items())),
        "media": dict(sorted(media.items())),
    }
    archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
    return manifest


def _read_one_moment():
    """Have every read of this transaction see the database as it is now, so that the
    archive's rows and files are of one moment while editors go on working. (SQLite
    transactions do that already: this site's take the database's write lock.)"""
    if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")


def _write_rows(content, model, with_passwords, media):
    """Serialize the model's rows into the archive's content, noting the files they name;
    returns how many rows."""
    fields = None
    if model is get_user_model() and not with_passwords:
        fields = [
            field.name
            for field in [*model._meta.concrete_fields, *model._meta.many_to_many]
            if field.name != "password"
        ]
    count = 0

    def rows():
        nonlocal count
        for row in model._base_manager.order_by("pk").iterator(chunk_size=CHUNK_SIZE):
            for field in file_fields(model):
                if name := getattr(row, field.attname).name:
                    media[name] = None
            count += 1
            yield row

    _Serializer().serialize(rows(), stream=content, fields=fields)
    return count


class _Serializer(jsonl.Serializer):
    """Django's "jsonl" serializer, with times to the microsecond, writing a reference by
    natural key where ids differ from one database to another: to a content type, a
    permission, an account. (Wagtail gives pages, sites and collections natural keys too,
    but those keep their ids, and an audit log entry may name a page deleted since.)"""

    def handle_fk_field(self, obj, field):
        self.use_natural_foreign_keys = _by_natural_key(field)
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        self.use_natural_foreign_keys = _by_natural_key(field)
        super().handle_m2m_field(obj, field)

    def _value_from_field(self, obj, field):
        value = super()._value_from_field(obj, field)
        if isinstance(value, datetime.datetime | datetime.time):
            # Whole: Django's JSON encoder would keep milliseconds only, and a feed's
            # <updated> would come back another time.
            return value.isoformat()
        return value


def _by_natural_key(field):
    return field.related_model in (ContentType, Permission, get_user_model())


def _write_media(archive, media, log):
    for name in list(media):
        try:
            source = default_storage.open(name, "rb")
        except FileNotFoundError:
            # The row stays, as on the site, where it shows as a missing file too.
            log(f"Missing in the media storage, not archived: {name}")
            del media[name]
            continue
        digest = hashlib.sha256()
        size = 0
        with source, archive.open(f"{MEDIA}/{name}", "w") as target:
            while block := source.read(COPY_BUFFER):
                digest.update(block)
                size += len(block)
                target.write(block)
        media[name] = {"size": size, "sha256": digest.hexdigest()}


# Import


def import_archive(path, *, log=print):
    """Restore an archive into this empty database; returns the archive's manifest."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ArchiveError(f"{path} is not a content archive: {error}") from error
    with archive:
        manifest = _read_manifest(archive)
        _check_database_is_empty()
        _check_media(archive, manifest["media"])
        written = []
        try:
            with transaction.atomic():
                accounts = _load(archive)
                _check_counts(manifest["counts"])
                _renumber_revisions(manifest["content_types"], accounts)
                call_command("rebuild_references_index", verbosity=0)
                call_command("update_index", verbosity=0)
                _restore_media(archive, manifest["media"], written)
        # A damaged member fails its checksum as it is read; rows that contradict each other
        # or the database's constraints fail as they are saved, or when they are checked.
        except (zipfile.BadZipFile, DeserializationError, DatabaseError) as error:
            _delete_media(written)
            raise ArchiveError(f"The archive cannot be imported: {error}") from error
        except BaseException:
            _delete_media(written)
            raise
    cache.clear()
    content_cache.new_generation()
    log(f"Imported {sum(manifest['counts'].values())} rows and {len(manifest['media'])} files.")
    return manifest


def _read_manifest(archive):
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError) as error:
        raise ArchiveError(f"No readable {MANIFEST}: not a content archive.") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"Not a content archive: its {MANIFEST} is of another format.")
    if manifest.get("version") != VERSION:
        raise ArchiveError(
            f"The archive is of format version {manifest.get('version')!r}; "
            f"this site reads version {VERSION}."
        )
    if not all(isinstance(manifest.get(key), kind) for key, kind in MANIFEST_ENTRIES.items()):
        raise ArchiveError(f"The archive's {MANIFEST} is incomplete.")
    applied = {f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()}
    if missing := sorted(set(manifest["migrations"]) - applied):
        raise ArchiveError(
            "The archive was made by a newer version of the site, with migrations this "
            f"database does not have ({', '.join(missing[:5])}"
            f"{' …' if len(missing) > 5 else ''}): upgrade the code and migrate first."
        )
    return manifest


def _check_database_is_empty():
    found = []
    for model in archived_models():
        if model is Page:
            rows = Page.objects.exclude(content_type=ContentType.objects.get_for_model(Page))
        elif model._meta.label_lower in INITIAL_ROWS or model is get_user_model():
            continue  # Replaced by the archive's; accounts are matched by username.
        else:
            rows = model._base_manager.all()
        if count := rows.count():
            found.append(f"{count} {model._meta.verbose_name_plural}")
    if found:
        raise ArchiveError(
            "The database has content already (" + ", ".join(found[:5]) + "): import "
            "restores into an empty database only, freshly migrated or flushed."
        )


def _member_name(name):
    """The archive member of a media file, refusing names that leave the media storage."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise ArchiveError(f"The archive names a media file outside the storage: {name}")
    return f"{MEDIA}/{name}"


def _check_media(archive, media):
    for name, expected in media.items():
        try:
            info = archive.getinfo(_member_name(name))
        except KeyError as error:
            raise ArchiveError(f"The archive lacks the media file {name}.") from error
        if info.file_size != expected["size"]:
            raise ArchiveError(f"The archive's media file {name} is damaged.")
        if default_storage.exists(name) and (
            _sha256(default_storage.open(name, "rb")) != expected["sha256"]
        ):
            raise ArchiveError(
                f"The media storage has another file named {name}: remove it, or import "
                "into an empty media storage."
            )


def _sha256(file):
    digest = hashlib.sha256()
    with file:
        while block := file.read(COPY_BUFFER):
            digest.update(block)
    return digest.hexdigest()


def _load(archive):
    """Replace what the migrations created with the archive's rows; returns the accounts'
    ids here by their ids in the archive."""
    archived = archived_models()
    User = get_user_model()
    for model in archived:
        if model is not User:
            _delete_rows(model)
    _empty_search_index()
    accounts = {}
    saved = []
    with archive.open(CONTENT) as content:
        for row in serializers.deserialize("jsonl", content, handle_forward_references=True):
            if isinstance(account := row.object, User):
                archived_pk = account.pk
                username = {User.USERNAME_FIELD: account.get_username()}
                if existing := User._base_manager.filter(**username).first():
                    # The database's own account of that name stands.
                    accounts[archived_pk] = existing.pk
                    continue
                _as_new_account(account)
                row.save()
                accounts[archived_pk] = account.pk
            else:
                row.save()
            saved.append(row)
    for row in saved:
        if row.deferred_fields:
            row.save_deferred_fields()
    # Now rather than at the commit: a row that names a missing one is the archive's fault.
    connection.check_constraints()
    with connection.cursor() as cursor:
        # Rows came with their ids: the next row the site adds takes the id after them.
        for sql in connection.ops.sequence_reset_sql(no_style(), archived):
            cursor.execute(sql)
    return accounts


def _renumber_revisions(archived_content_types, accounts):
    """Give the revisions' copies of their objects' fields this database's ids of content
    types and accounts: restoring a revision checks that they exist."""
    content_types = {
        tuple(content_type.natural_key()): content_type.pk
        for content_type in ContentType.objects.all()
    }
    new_ids = {
        ContentType: {
            int(pk): content_types.get(tuple(key)) for pk, key in archived_content_types.items()
        },
        get_user_model(): accounts,
    }
    revisions = Revision.objects.select_related("content_type").order_by("pk")
    changed = []
    for revision in revisions.iterator(chunk_size=CHUNK_SIZE):
        model = revision.content_type.model_class()
        fields = model._meta.concrete_fields if model else ()
        renumbered = {
            field.name: new_ids[field.related_model].get(revision.content[field.name])
            for field in fields
            if field.related_model in new_ids and revision.content.get(field.name) is not None
        }
        if renumbered:
            revision.content.update(renumbered)
            changed.append(revision)
        if len(changed) >= CHUNK_SIZE:
            Revision.objects.bulk_update(changed, ["content"])
            changed = []
    Revision.objects.bulk_update(changed, ["content"])


def _delete_rows(model):
    # Only Wagtail's initial rows are there (none in a flushed database). Deleted raw: no
    # signals, and no cascade, as the tables that refer to them are emptied too; but for
    # the accounts' memberships of the initial groups, which go with them.
    for field in model._meta.local_many_to_many:
        through = field.remote_field.through
        if through._meta.auto_created:
            through._base_manager.all()._raw_delete(connection.alias)
    if model is apps.get_model("auth", "Group"):
        get_user_model().groups.through._base_manager.all()._raw_delete(connection.alias)
    rows = model._base_manager.all()
    rows._raw_delete(rows.db)


def _empty_search_index():
    """Remove every entry of the database's search index, to be built anew: a flushed
    database keeps those of SQLite's full-text table, which no migration manages."""
    tables = set(connection.introspection.table_names())
    for model in apps.get_app_config("wagtailsearch").get_models():
        if model._meta.db_table in tables:
            model._base_manager.all()._raw_delete(connection.alias)


def _as_new_account(account):
    """An archived account to add: a new id here, and no usable password if the archive
    holds none."""
    account.pk = None
    if not account.password:
        account.set_unusable_password()


def _check_counts(expected):
    for label, count in expected.items():
        model = apps.get_model(label)
        if model is get_user_model():
            continue
        if model._base_manager.count() != count:
            raise ArchiveError(f"The archive's content is incomplete: {label}.")


def _delete_media(names):
    for name in names:
        default_storage.delete(name)


def _restore_media(archive, media, written):
    for name in media:
        if default_storage.exists(name):
            continue  # The same file (checked before).
        with archive.open(_member_name(name)) as member:
            try:
                saved = default_storage.save(name, File(member))
            except SuspiciousFileOperation as error:
                raise ArchiveError(f"The archive names an unsafe media file: {name}") from error
        written.append(saved)
        if saved != name:
            raise ArchiveError(f"The media storage saved {name} as {saved}.")

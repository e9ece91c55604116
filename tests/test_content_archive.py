"""export_content and import_content: the whole site in one archive file, restored into the
empty database of a new server so that every public page is the same to the byte, with
its history, its media files and its accounts; and the archives and databases refused.

Each test runs in the test's transaction: the database is emptied (flushed, then given
the rows Wagtail's migrations create, as serialized at the start) and all of it is rolled
back at the end.
"""

import datetime
import io
import json
import re
import zipfile
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group
from django.contrib.contenttypes.management import create_contenttypes
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import connection
from django.urls import reverse
from wagtail.contrib.redirects.models import Redirect
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Page, PageViewRestriction, Revision
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from home.models import ContentPage, HomePage
from stories.models import StoryCategory, StoryIndexPage, StoryPage
from tests.test_images import make_image

pytestmark = pytest.mark.django_db

OUR_APPS = ["site_config", "home", "stories", "accolades"]
SEARCHES = [
    "/search/?q=medical",
    "/search/?q=%22medical+school%22",
    "/search/?q=okapi",
    "/search/suggest/?q=med",
    "/search/?q=nothing+matches+this",
]
PASSWORD = "a long password for the archive test"


@pytest.fixture
def freshly_migrated():
    """The database as migrations left it (the test has changed nothing yet), serialized;
    on PostgreSQL the sequences, which no rollback resets, are set back to it at the end."""
    fresh = connection.creation.serialize_db_to_string()
    yield fresh
    empty_database(fresh)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(sql)


def empty_database(freshly_migrated):
    """A new server's database: flushed, then given what the migrations create."""
    connection.check_constraints()  # PostgreSQL truncates no table with checks pending.
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    connection.creation.deserialize_db_from_string(freshly_migrated)
    # What a new server's process would not have read yet.
    ContentType.objects.clear_cache()
    cache.clear()


def renumber_content_types():
    """Give our apps' models new content type and permission ids, as a database has where
    they were added after Wagtail's: a new database numbers them otherwise."""
    ContentType.objects.filter(app_label__in=OUR_APPS).delete()
    ContentType.objects.clear_cache()
    for label in OUR_APPS:
        create_contenttypes(apps.get_app_config(label), verbosity=0)
        create_permissions(apps.get_app_config(label), verbosity=0)


@pytest.fixture
def site(freshly_migrated, django_user_model, settings, tmp_path):
    """The demo site and more: stories with hero images, tags and a category, a draft, a
    private page, a document, a redirect, a promoted search result, a moderator who wrote
    some of it. Its media files are the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    renumber_content_types()
    call_command("load_demo_content", stdout=io.StringIO())
    moderator = django_user_model.objects.create_user(
        "moderator", email="moderator@example.edu", password=PASSWORD, first_name="Mo"
    )
    moderator.groups.add(Group.objects.get(name="Moderators"))
    index = StoryIndexPage.objects.get()
    research = StoryCategory.objects.create(name="Research")
    for number, tags in enumerate([["medicine", "campus"], ["campus"]], start=1):
        story = StoryPage(
            title=f"Okapi study {number}",
            intro=f"The okapi study's part {number}.",
            date=datetime.date(2024, 3, number),
            category=research,
            hero_image=make_image(f"Okapi {number}"),
            hero_image_alt="An okapi in the grass.",
            owner=moderator,
        )
        index.add_child(instance=story)
        story.tags.add(*tags)
        story.save_revision(user=moderator).publish()
    story.title = "A draft title visitors never see"
    story.save_revision(user=moderator)

    home = HomePage.objects.get()
    private = ContentPage(title="Staff only", slug="staff", intro="For the staff.")
    home.add_child(instance=private)
    private.save_revision().publish()
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)

    document = Document.objects.create(
        title="Annual report", file=ContentFile(b"The annual report.", name="report.txt")
    )
    Redirect.objects.create(old_path="/old-news", redirect_page=index)
    SearchPromotion.objects.create(query=Query.get("medical"), page=story, sort_order=0)
    return {"story": story, "document": document, "moderator": moderator}


def public_site(client, extra_urls=()):
    """What an anonymous visitor gets at every address reachable from the home page, the
    sitemap and the feeds, and at the extra ones: {url: (status, location, body)}. The
    cache is emptied before each, so that each answer is read from the database."""
    answers = {}
    to_visit = ["/", "/sitemap.xml", "/robots.txt", *SEARCHES, *extra_urls]
    while to_visit:
        url = to_visit.pop()
        if url in answers:
            continue
        cache.clear()
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        answers[url] = (response.status_code, response.get("Location"), body)
        kind = response.get("Content-Type", "") if response.status_code == 200 else ""
        if "html" in kind:
            links = [tag.get("href") for tag in BeautifulSoup(body, "html.parser")(["a", "link"])]
        elif "xml" in kind:  # The sitemap and the feeds.
            links = re.findall(r"<(?:loc|link)>([^<]*)<", body.decode())
        else:
            continue
        for link in filter(None, links):
            address = urlsplit(urljoin(url, link))
            if address.hostname in (None, "localhost", "testserver") and not (
                address.path.startswith(("/admin/", "/static/", "/media/"))
            ):
                to_visit.append(address.path + (f"?{address.query}" if address.query else ""))
    return answers


def export(path, *options):
    out = io.StringIO()
    call_command("export_content", str(path), *options, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def import_(path):
    out = io.StringIO()
    call_command("import_content", str(path), stdout=out)
    return out.getvalue()


@pytest.fixture
def new_media_storage(settings, tmp_path):
    """The new server's media storage, empty (set once the site is exported)."""

    def switch():
        settings.MEDIA_ROOT = tmp_path / "new-media"
        return settings.MEDIA_ROOT

    return switch


def test_the_site_comes_back_the_same_to_the_byte(
    site, freshly_migrated, new_media_storage, client, tmp_path
):
    document = site["document"]
    private_url = "/staff/"
    extra = [document.url, private_url, "/old-news/", "/news/category/research/feed/atom/"]
    # Import builds the search index afresh. On SQLite an entry's title weight in the
    # ranking is computed when the entry is added, from the titles indexed until then, and
    # computed again for all only by a rebuild (modelsearch's title_norm): the search
    # answers of the site being exported are those of a fresh index after update_index.
    call_command("update_index", verbosity=0)
    before = public_site(client, extra)
    # The crawl reached every kind of page, and what a visitor must not see stays hidden.
    assert len(before) > 30
    assert before[private_url][0] == 302 and before["/old-news/"][0] == 301
    assert before[document.url] == (200, None, b"The annual report.")
    assert b"Okapi study 2" in before["/search/?q=medical"][2]
    assert all(b"A draft title" not in body for _status, _location, body in before.values())
    story = site["story"]
    revisions = list(Revision.objects.for_instance(story).values_list("pk", "content"))
    images = {image.file.name: image.file.read() for image in Image.objects.all()}

    archive = tmp_path / "site.zip"
    assert "Wrote" in export(archive)
    empty_database(freshly_migrated)
    media_root = new_media_storage()
    assert not HomePage.objects.exists() and Page.objects.count() == 2
    import_(archive)

    after = public_site(client, extra)
    assert sorted(after) == sorted(before)
    for url, answer in before.items():
        assert after[url] == answer, url
    for name, content in images.items():
        assert (media_root / name).read_bytes() == content

    # The history is whole: the draft is still the latest revision, and each revision is
    # as it was, but for the ids of its page's type and owner, which are this database's.
    story = StoryPage.objects.get(pk=story.pk)
    assert story.content_type == ContentType.objects.get_for_model(StoryPage)
    assert story.get_latest_revision().content["title"] == "A draft title visitors never see"
    ids_here = {"content_type": story.content_type_id, "owner": story.owner_id}
    assert list(Revision.objects.for_instance(story).values_list("pk", "content")) == [
        (pk, content | ids_here) for pk, content in revisions
    ]
    assert all(content["content_type"] != story.content_type_id for _pk, content in revisions)


def test_an_editor_logs_in_after_import_and_publishes(site, freshly_migrated, client, tmp_path):
    story = site["story"]
    first = Revision.objects.for_instance(story).order_by("pk").first()
    archive = tmp_path / "site.zip"
    export(archive)
    empty_database(freshly_migrated)
    import_(archive)

    # The account is back, in its group, without the password it had: the archive holds
    # none unless exported --with-passwords. Its administrator gives it one.
    moderator = get_user_model().objects.get(username="moderator")
    assert moderator.groups.filter(name="Moderators").exists()
    assert moderator.first_name == "Mo" and not moderator.has_usable_password()
    assert StoryPage.objects.get(pk=story.pk).owner == moderator
    moderator.set_password(PASSWORD)
    moderator.save()
    login = client.post(
        reverse("wagtailadmin_login"), {"username": "moderator", "password": PASSWORD}
    )
    assert login.status_code == 302

    # A new story gets new ids (sequences follow the imported rows) and is published.
    index = StoryIndexPage.objects.get()
    data = nested_form_data(
        {
            "title": "Okapi sighted after the move",
            "slug": "okapi-after-the-move",
            "intro": "An okapi, again.",
            "date": "2025-01-02",
            "tags": "",
            "body": streamfield([("paragraph", rich_text("<p>Near the library.</p>"))]),
            "action-publish": "1",
        }
    )
    add_url = reverse("wagtailadmin_pages:add", args=("stories", "storypage", index.pk))
    assert client.post(add_url, data).status_code == 302
    new = StoryPage.objects.get(slug="okapi-after-the-move")
    assert new.live and new.pk > story.pk
    cache.clear()
    assert b"Okapi sighted after the move" in client.get("/news/").content

    # An old revision of a page restores in the editor, and can be published again.
    revert = client.get(reverse("wagtailadmin_pages:revisions_revert", args=(story.pk, first.pk)))
    assert revert.status_code == 200
    assert "Okapi study 2" in revert.content.decode()
    Revision.objects.get(pk=first.pk).publish(user=moderator)
    cache.clear()
    assert b"Okapi study 2" in client.get(story.url).content


def test_passwords_come_along_only_when_asked(site, freshly_migrated, client, tmp_path):
    archive = tmp_path / "site.zip"
    export(archive, "--with-passwords")
    empty_database(freshly_migrated)
    import_(archive)
    login = client.post(
        reverse("wagtailadmin_login"), {"username": "moderator", "password": PASSWORD}
    )
    assert login.status_code == 302


def test_an_existing_account_of_the_same_name_stands(site, freshly_migrated, tmp_path):
    archive = tmp_path / "site.zip"
    export(archive, "--with-passwords")
    empty_database(freshly_migrated)
    own = get_user_model().objects.create_superuser("moderator", password="the new server's")
    import_(archive)
    own.refresh_from_db()
    assert own.check_password("the new server's") and not own.groups.exists()
    assert StoryPage.objects.get(pk=site["story"].pk).owner == own


def write_archive(path, manifest, content=b"", members=()):
    with zipfile.ZipFile(path, "w") as archive:
        if manifest is not None:
            archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("content.jsonl", content)
        for name, data in members:
            archive.writestr(name, data)
    return path


def refusal(path):
    with pytest.raises(CommandError) as refused:
        import_(path)
    return str(refused.value)


@pytest.fixture
def exported(site, freshly_migrated, tmp_path):
    """The site's archive, read: its manifest, content lines and media members; and the
    database emptied."""
    archive = tmp_path / "site.zip"
    export(archive)
    with zipfile.ZipFile(archive) as opened:
        manifest = json.loads(opened.read("manifest.json"))
        lines = opened.read("content.jsonl").splitlines(keepends=True)
        media = [
            (name, opened.read(name)) for name in opened.namelist() if name.startswith("media/")
        ]
    empty_database(freshly_migrated)
    return manifest, lines, media


def test_refuses_a_database_with_content(demo_site, tmp_path):
    archive = tmp_path / "site.zip"
    export(archive)
    assert "has content already" in refusal(archive)


def test_refuses_what_is_not_an_archive(db, tmp_path):
    garbage = tmp_path / "site.zip"
    garbage.write_bytes(b"not a zip file at all")
    assert "is not a content archive" in refusal(garbage)
    assert "No such file" in refusal(tmp_path / "missing.zip")
    assert "not a content archive" in refusal(write_archive(tmp_path / "a.zip", None))
    other = {"format": "something-else", "version": 1}
    assert "of another format" in refusal(write_archive(tmp_path / "b.zip", other))
    bare = {"format": "university-site-content", "version": 1}
    assert "manifest.json is incomplete" in refusal(write_archive(tmp_path / "c.zip", bare))


def test_refuses_an_archive_of_another_version_or_newer_code(exported, tmp_path):
    manifest, lines, media = exported
    later = {**manifest, "version": 2}
    assert "format version 2" in refusal(write_archive(tmp_path / "a.zip", later))
    newer = {**manifest, "migrations": [*manifest["migrations"], "stories.9999_future"]}
    message = refusal(write_archive(tmp_path / "b.zip", newer, b"".join(lines), media))
    assert "newer version of the site" in message and "stories.9999_future" in message


def test_a_damaged_archive_leaves_nothing_behind(exported, new_media_storage, tmp_path):
    manifest, lines, media = exported
    media_root = new_media_storage()
    # Every row but the last: each is saved before the count shows one missing.
    damaged = write_archive(tmp_path / "a.zip", manifest, b"".join(lines[:-1]), media)
    assert "content is incomplete" in refusal(damaged)
    assert not HomePage.objects.exists() and Page.objects.count() == 2
    assert not media_root.exists() or not any(media_root.rglob("*.*"))

    # Rows that name revisions the archive lacks.
    broken = [line.replace(b'"latest_revision": ', b'"latest_revision": 9999') for line in lines]
    assert "cannot be imported" in refusal(
        write_archive(tmp_path / "b.zip", manifest, b"".join(broken), media)
    )
    assert not HomePage.objects.exists()

    missing = refusal(write_archive(tmp_path / "c.zip", manifest, b"".join(lines), media[1:]))
    assert "lacks the media file" in missing


def test_refuses_to_overwrite_another_media_file(exported, new_media_storage, tmp_path):
    manifest, lines, media = exported
    new_media_storage()
    name = next(iter(manifest["media"]))
    default_storage.save(name, ContentFile(b"another file"))
    message = refusal(write_archive(tmp_path / "a.zip", manifest, b"".join(lines), media))
    assert f"another file named {name}" in message
    assert not HomePage.objects.exists()

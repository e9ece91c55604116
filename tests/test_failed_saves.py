"""A save that fails leaves nothing half-written, and loses nothing the editor typed.

A validation error re-renders the form with everything the editor typed, and writes
nothing. A database error in the middle of a save rolls the whole save back
(site_config/atomic_admin.py): Wagtail's create view would otherwise leave the new page
in the tree without its revision, live when the editor chose Publish.
"""

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse
from wagtail.models import Page, Revision
from wagtail.signals import page_published
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from stories.models import StoryIndexPage, StoryPage

pytestmark = pytest.mark.django_db

TITLE = "Okapi census in the rainforest"
SLUG = "okapi-census"
HEADING = "Counting by camera traps"
PARAGRAPH = "Researchers counted okapis along four transects."
QUOTE = "Every okapi counted twice is a lesson in patience."
ATTRIBUTION = "A field researcher"
NEVER_LIVE = "A new intro that never goes live."


@pytest.fixture
def moderator(demo_site, django_user_model):
    user = django_user_model.objects.create_user("moderator", password="password")
    user.groups.add(Group.objects.get(name="Moderators"))
    # An error becomes the server's error page, as the editor sees it, not an exception here.
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def index(demo_site):
    return StoryIndexPage.objects.get()


def story_form(intro="Okapis, counted.", slug=SLUG, **actions):
    """A new story as an editor types it: the title, intro and a body of three blocks."""
    return nested_form_data(
        {
            "title": TITLE,
            "slug": slug,
            "intro": intro,
            "date": "2026-03-02",
            "tags": "",
            "body": streamfield(
                [
                    ("heading", {"text": HEADING, "level": "h2"}),
                    ("paragraph", rich_text(f"<p>{PARAGRAPH}</p>")),
                    ("quote", {"quote": QUOTE, "attribution": ATTRIBUTION}),
                ]
            ),
            **actions,
        }
    )


def add_url(index):
    return reverse("wagtailadmin_pages:add", args=("stories", "storypage", index.pk))


def nothing_written(index, children_before, revisions_before):
    index = Page.objects.get(pk=index.pk)
    return (
        not Page.objects.filter(title=TITLE).exists()
        and index.get_children().count() == index.numchild == children_before
        and Revision.objects.count() == revisions_before
    )


@pytest.mark.parametrize(
    "form, error",
    [
        # Publishing checks every required field.
        (story_form(intro="", **{"action-publish": "1"}), "This field is required."),
        # A draft may be incomplete, but its address must not hide behind the index's.
        (story_form(slug="2025"), "The index lists a year&#x27;s stories at this address"),
    ],
    ids=["publish-without-intro", "draft-with-a-year-slug"],
)
def test_a_validation_error_keeps_what_the_editor_typed(moderator, index, form, error):
    children, revisions = index.get_children().count(), Revision.objects.count()

    response = moderator.post(add_url(index), form)

    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    for typed in (TITLE, HEADING, PARAGRAPH, QUOTE, ATTRIBUTION):
        assert typed in html
    assert nothing_written(index, children, revisions)


def test_a_validation_error_on_an_existing_story_writes_no_revision(moderator, demo_site):
    story = StoryPage.objects.live().order_by("path").first()
    revisions, live_intro = story.revisions.count(), story.intro

    response = moderator.post(
        reverse("wagtailadmin_pages:edit", args=(story.pk,)),
        story_form(intro="", slug=story.slug, **{"action-publish": "1"}),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "The page could not be saved due to validation errors" in html
    for typed in (TITLE, HEADING, PARAGRAPH, QUOTE):
        assert typed in html
    story.refresh_from_db()
    assert story.revisions.count() == revisions
    assert story.intro == live_intro


@pytest.fixture
def revision_fails(monkeypatch):
    """The database fails as the revision is written: after the page's row is."""

    def fail(*args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(StoryPage, "save_revision", fail)


@pytest.mark.parametrize("actions", [{}, {"action-publish": "1"}], ids=["draft", "publish"])
def test_a_database_error_while_creating_leaves_no_page(
    moderator, client, index, revision_fails, actions
):
    children, revisions = index.get_children().count(), Revision.objects.count()

    response = moderator.post(add_url(index), story_form(**actions))

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert nothing_written(index, children, revisions)
    assert client.get(f"{index.url}{SLUG}/").status_code == 404


def test_without_the_transaction_wagtail_leaves_a_half_created_live_page(
    moderator, client, index, revision_fails, settings
):
    """Why site_config/atomic_admin.py is there: should a Wagtail release make its views
    atomic, this test fails and the middleware can go."""
    settings.MIDDLEWARE = [
        name
        for name in settings.MIDDLEWARE
        if name != "site_config.atomic_admin.AtomicAdminChangesMiddleware"
    ]

    response = moderator.post(add_url(index), story_form(**{"action-publish": "1"}))

    assert response.status_code == 500
    page = StoryPage.objects.get(title=TITLE)
    assert page.live and page.latest_revision is None
    assert client.get(page.url).status_code == 200


def test_a_failing_publication_leaves_the_live_story_as_it_was(moderator, client, demo_site):
    story = StoryPage.objects.live().order_by("path").first()
    revisions, live_intro = story.revisions.count(), story.intro

    def fail(**kwargs):
        raise DatabaseError("the database went away")

    # A receiver of page_published fails: the page row and the revision are written by then.
    page_published.connect(fail)
    try:
        response = moderator.post(
            reverse("wagtailadmin_pages:edit", args=(story.pk,)),
            story_form(
                intro=NEVER_LIVE,
                slug=story.slug,
                **{"action-publish": "1"},
            ),
        )
    finally:
        page_published.disconnect(fail)

    assert response.status_code == 500
    story.refresh_from_db()
    assert story.intro == live_intro
    assert story.revisions.count() == revisions
    page = client.get(story.url).content.decode()
    assert NEVER_LIVE not in page and TITLE not in page

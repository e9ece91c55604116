"""Two editors editing one story: the second save never silently replaces the first.

What Wagtail 8 does, as these tests show: both editors' forms carry the revision they were
opened on (`loaded_revision_id`, `loaded_revision_created_at`). Once Alice has saved,

- Bob's editor learns of it from its editing session's ping (every 10 s): "alice saved a
  new version", and the browser asks him to confirm before his save replaces it;
- Bob's autosave is refused ("Saving will overwrite a newer version."), writing nothing;
- a save Bob confirms (a plain form post) is a new revision: Alice's stays in the
  history, where it can be reviewed, restored and published again.
"""

import re

import pytest
from django.urls import reverse
from wagtail.admin.models import EditingSession
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from stories.models import StoryPage
from tests.conftest import member_of

pytestmark = pytest.mark.django_db

ALICE_INTRO = "Alice rewrote the intro of this story."
BOB_INTRO = "Bob rewrote the intro of this story."


@pytest.fixture
def alice(demo_site, django_user_model):
    return member_of("Editors", django_user_model, "alice")


@pytest.fixture
def bob(demo_site, django_user_model):
    return member_of("Editors", django_user_model, "bob")


@pytest.fixture
def moderator(demo_site, django_user_model):
    return member_of("Moderators", django_user_model, "moderator")


@pytest.fixture
def story(demo_site):
    return StoryPage.objects.live().order_by("path").first()


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=(page.pk,))


def open_editor(client, page):
    """The revision an editor's form was opened on, as its hidden inputs carry it."""
    html = client.get(edit_url(page)).content.decode()
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', html).group(1)
        for name in ("loaded_revision_id", "loaded_revision_created_at")
    }


def story_form(story, intro, loaded, **actions):
    """The story's edit form as an editor submits it, with the intro changed."""
    return nested_form_data(
        {
            "title": story.title,
            "slug": story.slug,
            "intro": intro,
            "date": story.date.isoformat(),
            "tags": "",
            "body": streamfield([("paragraph", rich_text(f"<p>{intro}</p>"))]),
            **loaded,
            **actions,
        }
    )


def save(client, story, intro, loaded):
    response = client.post(edit_url(story), story_form(story, intro, loaded))
    assert response.status_code == 302, response.content.decode()[:2000]
    return StoryPage.objects.get(pk=story.pk).latest_revision


def test_a_save_from_a_stale_form_keeps_the_other_editors_version(alice, bob, story):
    alices_form, bobs_form = open_editor(alice, story), open_editor(bob, story)
    assert alices_form == bobs_form

    alices_revision = save(alice, story, ALICE_INTRO, alices_form)
    bobs_revision = save(bob, story, BOB_INTRO, bobs_form)

    # Bob's save is a revision of its own: Alice's is kept, as she wrote it.
    assert bobs_revision.pk != alices_revision.pk
    alices_revision.refresh_from_db()
    assert alices_revision.user.username == "alice"
    assert alices_revision.as_object().intro == ALICE_INTRO
    assert bobs_revision.user.username == "bob"
    assert bobs_revision.as_object().intro == BOB_INTRO

    # The history lists Alice's version with its way back.
    history = bob.get(reverse("wagtailadmin_pages:history", args=(story.pk,))).content.decode()
    revert_url = reverse("wagtailadmin_pages:revisions_revert", args=(story.pk, alices_revision.pk))
    assert revert_url in history


def test_an_autosave_from_a_stale_form_is_refused(alice, bob, story):
    alices_form, bobs_form = open_editor(alice, story), open_editor(bob, story)
    alices_revision = save(alice, story, ALICE_INTRO, alices_form)
    revisions = story.revisions.count()

    # The editor's autosave asks for JSON.
    response = bob.post(
        edit_url(story),
        story_form(story, BOB_INTRO, bobs_form),
        headers={"accept": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["error_code"] == "invalid_revision"
    assert response.json()["error_message"] == "Saving will overwrite a newer version."
    assert story.revisions.count() == revisions
    assert StoryPage.objects.get(pk=story.pk).latest_revision == alices_revision


def test_the_other_editor_is_told_before_saving_over_a_newer_version(alice, bob, story):
    alices_form, bobs_form = open_editor(alice, story), open_editor(bob, story)
    alices_revision = save(alice, story, ALICE_INTRO, alices_form)

    # What Bob's open editor asks every few seconds, with the revision it was opened on.
    session = EditingSession.objects.get(user__username="bob")
    ping_url = reverse(
        "wagtailadmin_editing_sessions:ping", args=("wagtailcore", "page", story.pk, session.pk)
    )
    response = bob.post(
        ping_url,
        {
            "revision_id": bobs_form["loaded_revision_id"],
            "revision_created_at": bobs_form["loaded_revision_created_at"],
            "is_editing": "1",
        },
    )

    assert response.status_code == 200
    newer = response.json()["other_sessions"][0]
    assert newer["user"] == "alice"
    assert newer["revision_id"] == alices_revision.pk
    # The text of the dialog the browser shows when Bob saves.
    assert "alice saved a new version" in response.json()["html"]
    assert "Proceeding will overwrite the changes made by alice" in response.json()["html"]


def test_the_replaced_version_is_restored_and_published(alice, bob, moderator, client, story):
    alices_form, bobs_form = open_editor(alice, story), open_editor(bob, story)
    alices_revision = save(alice, story, ALICE_INTRO, alices_form)
    save(bob, story, BOB_INTRO, bobs_form)

    # "Review this version" in the history: the form filled with Alice's version.
    revert_url = reverse("wagtailadmin_pages:revisions_revert", args=(story.pk, alices_revision.pk))
    review = moderator.get(revert_url)
    assert review.status_code == 200
    assert ALICE_INTRO in review.content.decode()
    assert BOB_INTRO not in review.content.decode()

    # Published from there, as it was shown.
    loaded = open_editor(moderator, story)
    response = moderator.post(
        revert_url, story_form(story, ALICE_INTRO, loaded, **{"action-publish": "1"})
    )
    assert response.status_code == 302

    story.refresh_from_db()
    assert story.intro == ALICE_INTRO
    page = client.get(story.url).content.decode()
    assert ALICE_INTRO in page
    assert BOB_INTRO not in page
    # Every version is still there: the demo's, Alice's, Bob's and the one published.
    authors = list(story.revisions.order_by("created_at").values_list("user__username", flat=True))
    assert authors[-3:] == ["alice", "bob", "moderator"]

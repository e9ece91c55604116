"""Editors write and submit; Moderators approve and publish (manage.py ensure_roles)."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import (
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Task,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from accolades.models import Award, Person
from stories.models import StoryCategory, StoryIndexPage, StoryPage
from tests.conftest import member_of

pytestmark = pytest.mark.django_db

TITLE = "Okapi sighted on campus"


@pytest.fixture
def editor(demo_site, django_user_model):
    return member_of("Editors", django_user_model, "editor")


@pytest.fixture
def moderator(demo_site, django_user_model):
    return member_of("Moderators", django_user_model, "moderator")


@pytest.fixture
def index(demo_site):
    return StoryIndexPage.objects.child_of(demo_site).get()


def story_form(**actions):
    return nested_form_data(
        {
            "title": TITLE,
            "slug": "okapi-sighted",
            "intro": "An okapi was seen near the library.",
            "date": timezone.localdate().isoformat(),
            "tags": "",
            "body": streamfield([("paragraph", rich_text("<p>It left before lunch.</p>"))]),
            **{f"action-{action}": "1" for action in actions},
        }
    )


def create(client, index, **actions):
    """A new story under the index, through the admin's create form."""
    add_url = reverse("wagtailadmin_pages:add", args=("stories", "storypage", index.pk))
    assert client.post(add_url, story_form(**actions)).status_code == 302
    return StoryPage.objects.get(slug="okapi-sighted")


def edit(client, page, **actions):
    return client.post(reverse("wagtailadmin_pages:edit", args=(page.pk,)), story_form(**actions))


def seen_by_visitors(client, story):
    """Where a visitor may meet the story: its page, the index, the home page, search."""
    return {
        "page": client.get(f"/news/{story.slug}/").status_code == 200,
        **{
            url: TITLE in client.get(url).content.decode()
            for url in ("/news/", "/", "/search/?q=okapi")
        },
    }


def test_an_editor_can_not_publish(editor, index):
    story = create(editor, index, publish=True)
    assert edit(editor, story, publish=True).status_code == 302
    story.refresh_from_db()
    assert not story.live
    assert story.has_unpublished_changes
    assert not story.workflow_in_progress


def test_an_editors_story_waits_for_a_moderators_approval(editor, moderator, index, client):
    story = create(editor, index)
    assert edit(editor, story, submit=True).status_code == 302

    story.refresh_from_db()
    task_state = story.current_workflow_task_state
    assert task_state.task.name == "Story review"
    assert not story.live
    assert not any(seen_by_visitors(client, story).values())

    approve_url = reverse(
        "wagtailadmin_pages:workflow_action", args=(story.pk, "approve", task_state.pk)
    )
    # The admin answers a refusal with a redirect and a message: the state is what counts.
    editor.post(approve_url)
    story.refresh_from_db()
    assert not story.live and story.workflow_in_progress

    assert moderator.post(approve_url).status_code == 302

    story.refresh_from_db()
    assert story.live
    assert not story.workflow_in_progress
    assert all(seen_by_visitors(client, story).values())


def test_a_moderator_publishes_directly(moderator, index):
    assert create(moderator, index, publish=True).live


def test_editors_work_within_the_site(editor, demo_site):
    assert editor.get("/admin/").status_code == 200
    # The page explorer opens on the home page, and no page can be added beside it.
    explorer = editor.get(reverse("wagtailadmin_explore_root"))
    assert explorer["Location"] == reverse("wagtailadmin_explore", args=(demo_site.pk,))
    root = Page.get_first_root_node()
    add_home = editor.get(reverse("wagtailadmin_pages:add", args=("home", "homepage", root.pk)))
    assert add_home.status_code == 302
    assert add_home["Location"] == reverse("wagtailadmin_home")


def test_an_editor_adds_a_person_an_award_and_a_category(editor):
    assert editor.get("/admin/accolades/award/").status_code == 200
    response = editor.post(
        "/admin/accolades/person/create/",
        {"honorific": "", "name": "Test Person", "role": "", "profile_url": ""},
    )
    assert response.status_code == 302
    person = Person.objects.get(name="Test Person")
    response = editor.post(
        "/admin/accolades/award/create/",
        {
            "person": person.pk,
            "title": "Test Award",
            "awarding_body": "",
            "year": "2025",
            "description": "",
            "story": "",
        },
    )
    assert response.status_code == 302
    assert Award.objects.filter(person=person, title="Test Award").exists()

    response = editor.post(
        "/admin/snippets/stories/storycategory/add/", {"name": "Campus life", "slug": ""}
    )
    assert response.status_code == 302
    assert StoryCategory.objects.filter(name="Campus life").exists()


def role_counts():
    return {
        "groups": Group.objects.count(),
        "group permissions": Group.permissions.through.objects.count(),
        "page permissions": GroupPagePermission.objects.count(),
        "collection permissions": GroupCollectionPermission.objects.count(),
        "workflows": Workflow.objects.count(),
        "tasks": Task.objects.count(),
        "workflow tasks": WorkflowTask.objects.count(),
        "workflow pages": WorkflowPage.objects.count(),
    }


def test_ensure_roles_grants_on_the_home_page_and_is_idempotent(demo_site, index):
    def page_permissions(group):
        return {
            (perm.page_id, perm.permission.codename)
            for perm in GroupPagePermission.objects.filter(group__name=group)
        }

    home = demo_site.pk
    assert page_permissions("Editors") == {(home, "add_page"), (home, "change_page")}
    assert page_permissions("Moderators") == {
        (home, f"{action}_page") for action in ("add", "change", "publish", "lock", "unlock")
    }
    workflow = WorkflowPage.objects.get(page=index).workflow
    assert workflow.name == "Story review"
    assert [group.name for group in workflow.tasks.get().specific.groups.all()] == ["Moderators"]

    before = role_counts()
    call_command("ensure_roles", stdout=io.StringIO())
    assert role_counts() == before


def test_without_a_story_index_the_workflow_is_skipped(home_page):
    out = io.StringIO()
    call_command("ensure_roles", stdout=out)
    assert "workflow 'Story review' was skipped" in out.getvalue()
    assert set(Group.objects.values_list("name", flat=True)) >= {"Editors", "Moderators"}
    assert GroupPagePermission.objects.filter(group__name="Editors", page=home_page).exists()
    assert not Workflow.objects.filter(name="Story review").exists()


def test_a_workflow_an_administrator_chose_for_the_stories_stays(demo_site, index):
    chosen = Workflow.objects.create(name="Two reviewers")
    WorkflowPage.objects.filter(page=index).update(workflow=chosen)
    out = io.StringIO()
    call_command("ensure_roles", stdout=out)
    assert WorkflowPage.objects.get(page=index).workflow == chosen
    assert "keeps its workflow 'Two reviewers'" in out.getvalue()

"""Go-live and expiry dates take effect when `manage.py publish_scheduled` runs."""

import datetime
import io
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from stories.models import StoryIndexPage, StoryPage

pytestmark = pytest.mark.django_db

TITLE = "Scheduled okapi story"
SLUG = "scheduled-okapi"


@pytest.fixture
def moderator(demo_site, django_user_model):
    user = django_user_model.objects.create_user("moderator", password="password")
    user.groups.add(Group.objects.get(name="Moderators"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def index(demo_site):
    return StoryIndexPage.objects.child_of(demo_site).get()


def publish_with_dates(moderator, index, go_live_at=None, expire_at=None):
    """Publish a new story through the admin's form, with its Publishing dates filled in."""

    def as_typed(moment):
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""

    data = nested_form_data(
        {
            "title": TITLE,
            "slug": SLUG,
            "intro": "An okapi, on schedule.",
            "date": timezone.localdate().isoformat(),
            "tags": "",
            "body": streamfield([("paragraph", rich_text("<p>Right on time.</p>"))]),
            "go_live_at": as_typed(go_live_at),
            "expire_at": as_typed(expire_at),
            "action-publish": "1",
        }
    )
    add_url = reverse("wagtailadmin_pages:add", args=("stories", "storypage", index.pk))
    assert moderator.post(add_url, data).status_code == 302
    return StoryPage.objects.get(slug=SLUG)


def publish_scheduled(at):
    """Run the command as cron would at the given moment."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        call_command("publish_scheduled", stdout=io.StringIO())


def visible(client, story):
    return (
        client.get(f"/news/{story.slug}/").status_code == 200
        and TITLE in client.get("/news/").content.decode()
    )


def test_a_story_goes_live_when_its_time_comes(moderator, index, client):
    now = timezone.now()
    story = publish_with_dates(moderator, index, go_live_at=now + datetime.timedelta(hours=1))
    assert not story.live
    assert story.scheduled_revision.approved_go_live_at is not None
    assert not visible(client, story)

    publish_scheduled(now)
    story = StoryPage.objects.get(pk=story.pk)
    assert not story.live

    publish_scheduled(now + datetime.timedelta(hours=2))
    story = StoryPage.objects.get(pk=story.pk)
    assert story.live
    assert story.scheduled_revision is None
    assert visible(client, story)


def test_a_story_expires_when_its_time_comes(moderator, index, client):
    now = timezone.now()
    story = publish_with_dates(moderator, index, expire_at=now + datetime.timedelta(hours=1))
    assert story.live
    assert visible(client, story)

    publish_scheduled(now + datetime.timedelta(hours=2))
    story = StoryPage.objects.get(pk=story.pk)
    assert not story.live
    assert story.expired
    assert not visible(client, story)

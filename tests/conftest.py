import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale, Page, Site

from home.models import HomePage
from stories.models import StoryCategory, StoryIndexPage, StoryPage


@pytest.fixture(scope="session", autouse=True)
def content_generation_file():
    """The test run's own content generation file (site_config/settings/test.py), removed
    at the end."""
    yield
    Path(settings.CONTENT_GENERATION_FILE).unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache: image renditions and settings are cached by
    id, and ids repeat after a rolled-back test on SQLite."""
    cache.clear()


@pytest.fixture
def home_page(db):
    """A HomePage as the default site's root, as a freshly built site has it."""
    root = Page.get_first_root_node()
    home = HomePage(title="Home", slug="home-page")
    root.add_child(instance=home)
    home.save_revision().publish()
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home},
    )
    Locale.get_default()
    return home


@pytest.fixture
def story_index(home_page):
    index = StoryIndexPage(title="News & Stories", slug="news", show_in_menus=True)
    home_page.add_child(instance=index)
    index.save_revision().publish()
    return index


@pytest.fixture
def make_story(story_index):
    """Create a story under the index: published unless live=False."""

    def make(title="A story", *, live=True, date=None, category=None, body=None, **fields):
        story = StoryPage(
            title=title,
            live=live,
            intro=fields.pop("intro", f"Intro of {title}."),
            date=date or datetime.date(2025, 6, 1),
            category=category,
            body=body or [],
            **fields,
        )
        story_index.add_child(instance=story)
        revision = story.save_revision()
        if live:
            revision.publish()
        return story

    return make


@pytest.fixture
def category(db):
    return StoryCategory.objects.create(name="Research")


@pytest.fixture
def demo_site(db):
    call_command("load_demo_content", stdout=io.StringIO())
    return HomePage.objects.get()


def cold_queries(client, url):
    """The SQL of a GET of this URL with a cold cache (the page cache's copies, the lists
    kept until the content changes and Wagtail's cached site paths all gone); it must
    answer 200."""
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return [query["sql"] for query in captured]


def queries_per_request(client, urls):
    """How many SQL queries a GET of each URL runs with a cold cache; each must answer 200."""
    return [len(cold_queries(client, url)) for url in urls]


def member_of(group_name, django_user_model, username):
    """A test client logged in as a new user of this group (Editors, Moderators)."""
    user = django_user_model.objects.create_user(username, password="password")
    user.groups.add(Group.objects.get(name=group_name))
    client = Client()
    client.force_login(user)
    return client

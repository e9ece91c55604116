"""Drafts, unpublished and private stories never reach a visitor."""

import pytest
from wagtail.models import PageViewRestriction

from stories.models import StoryIndexPage, StoryPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden_and_visible(demo_site):
    index = StoryIndexPage.objects.child_of(demo_site).get()

    def story(title, live=True):
        page = StoryPage(title=title, intro=f"{title} zebra.", live=live)
        index.add_child(instance=page)
        if live:
            page.save_revision().publish()
        else:
            page.save_revision()
        return page

    visible = story("Visible zebra story")
    draft = story("Draft zebra story", live=False)
    unpublished = story("Unpublished zebra story")
    unpublished.unpublish()
    private = story("Private zebra story")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    # A published story with a newer draft: visitors see the published version only.
    revised = story("Revised zebra story")
    revised.title = "Unpublished title change"
    revised.save_revision()
    return visible, [draft, unpublished, private], revised


def test_hidden_stories_are_not_served(client, hidden_and_visible):
    visible, hidden, revised = hidden_and_visible
    assert client.get(visible.url).status_code == 200
    for page in hidden:
        response = client.get(f"/news/{page.slug}/")
        assert response.status_code in (302, 404) or b"password" in response.content.lower()
        assert page.intro.encode() not in response.content
    assert b"Unpublished title change" not in client.get(revised.url).content


@pytest.mark.parametrize("url", ["/", "/news/", "/search/?q=zebra"])
def test_hidden_stories_are_not_listed(client, hidden_and_visible, url):
    visible, hidden, revised = hidden_and_visible
    content = client.get(url).content.decode()
    assert visible.title in content
    for page in hidden:
        assert page.title not in content
    assert "Unpublished title change" not in content


def test_search_counts_only_visible_stories(client, hidden_and_visible):
    content = client.get("/search/?q=zebra").content.decode()
    assert "2 results" in content

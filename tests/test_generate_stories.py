"""generate_stories writes synthetic stories in bulk that behave like stories saved one by one."""

import io
import re

import pytest
from bs4 import BeautifulSoup
from django.core.management import CommandError, call_command
from taggit.models import Tag
from wagtail.images import get_image_model
from wagtail.models import Page

from stories.management import synthetic
from stories.management.commands import generate_stories
from stories.models import StoryIndexPage, StoryPage

pytestmark = pytest.mark.django_db


def generate(count, **options):
    out = io.StringIO()
    call_command("generate_stories", count=count, stdout=out, **options)
    return out.getvalue()


def synthetic_stories():
    return StoryPage.objects.filter(title__startswith=synthetic.TITLE_PREFIX)


def assert_tree_is_valid():
    # find_problems() returns five lists: bad characters, bad step lengths, orphans, wrong
    # depths and wrong numchild counts. A sound tree has none of each.
    assert Page.find_problems() == ([], [], [], [], [])


def body_text(story):
    return " ".join(
        BeautifulSoup(str(block.value), "html.parser").get_text(" ")
        for block in story.body
        if block.block_type == "paragraph"
    )


def test_path_steps_are_treebeards():
    for number in (1, 9, 10, 35, 36, 37, 1295, 1296, 46_655, 1_679_615):
        assert generate_stories.path_step(number) == Page._get_path("", 1, number)
        assert generate_stories.child_number("0001" + Page._get_path("", 1, number)) == number


def test_fifty_stories_make_a_valid_tree(demo_site):
    index = StoryIndexPage.objects.get()
    output = generate(50)

    assert "50 of 50 stories" in output and "a second" in output
    assert synthetic_stories().count() == 50
    assert_tree_is_valid()
    index.refresh_from_db()
    assert index.numchild == index.get_children().count() == 53
    # They follow the demo's three stories, after the index's last child.
    paths = list(index.get_children().order_by("path").values_list("path", flat=True))
    assert paths[-1] == index.path + generate_stories.path_step(53)


def test_stories_are_marked_synthetic_and_spread_out(demo_site):
    generate(50)
    stories = list(synthetic_stories().select_related("category"))

    assert all(story.live and not story.has_unpublished_changes for story in stories)
    assert all(story.category.name.startswith("Synthetic ") for story in stories)
    assert all(story.url_path.startswith("/home-page/news/synthetic-") for story in stories)
    assert len({story.category_id for story in stories}) >= 6
    dates = sorted(story.date for story in stories)
    assert (dates[-1] - dates[0]).days > 10 * 365
    assert all(story.first_published_at.date() == story.date for story in stories)
    synthetic_tag = Tag.objects.get(name=synthetic.SYNTHETIC_TAG)
    for story in stories:
        tags = set(story.tags.all())
        assert synthetic_tag in tags and 2 <= len(tags) <= 4


def test_bodies_are_several_paragraphs_and_a_heading(demo_site):
    generate(10)
    for story in synthetic_stories():
        kinds = [block.block_type for block in story.body]
        assert kinds.count("heading") == 1
        assert kinds.count("paragraph") >= 4
        assert len(body_text(story).split()) >= 150


def test_the_same_seed_makes_the_same_stories(demo_site):
    generate(5, seed=7)
    for story in synthetic_stories():
        expected = synthetic.synthetic_story(7, generate_stories.child_number(story.path))
        assert story.title == expected.title
        assert list(story.body.raw_data) == expected.body
    assert synthetic.synthetic_story(7, 4) != synthetic.synthetic_story(8, 4)


def test_stories_can_have_synthetic_hero_images(demo_site, client):
    generate(10, images=3)
    generate(5, images=3)  # a second run takes turns among the same three

    pictures = get_image_model().objects.filter(title__startswith=synthetic.TITLE_PREFIX)
    assert pictures.count() == 3
    stories = list(synthetic_stories())
    assert {story.hero_image_id for story in stories} == set(pictures.values_list("pk", flat=True))
    assert all(story.hero_image_alt == synthetic.PICTURE_ALT for story in stories)
    soup = BeautifulSoup(client.get("/news/").content, "html.parser")
    synthetic_cards = [
        card
        for card in soup.select(".card")
        if card.select_one(".card__title").get_text().startswith(synthetic.TITLE_PREFIX)
    ]
    assert len(synthetic_cards) >= 9  # beside the demo's three stories, without pictures
    assert all(card.select_one("picture") for card in synthetic_cards)
    hero = BeautifulSoup(client.get(stories[0].url).content, "html.parser").select_one(
        ".story__hero img"
    )
    assert hero["alt"] == synthetic.PICTURE_ALT


def test_stories_have_no_image_unless_asked(demo_site):
    generate(3)
    assert not synthetic_stories().filter(hero_image__isnull=False).exists()


def test_stories_render_and_the_index_lists_them(demo_site, client):
    generate(50)
    for story in synthetic_stories():
        response = client.get(story.url)
        assert response.status_code == 200
        assert story.title.encode() in response.content

    response = client.get("/news/")
    assert response.status_code == 200
    assert b"53 stories" in response.content
    newest = synthetic_stories().order_by("-date", "-first_published_at", "-pk").first()
    assert newest.title.encode() in response.content
    last_page = client.get("/news/", {"page": 5})
    assert last_page.status_code == 200
    filters = {"category": newest.category.slug, "year": newest.date.year}
    filtered = client.get("/news/", filters, follow=True)
    assert filtered.status_code == 200 and newest.title.encode() in filtered.content


def test_search_finds_a_story_by_a_word_of_its_body(demo_site, client):
    generate(50)
    story = synthetic_stories().order_by("path").first()
    # Every synthetic body credits a made-up professor: a word found in no title or intro.
    name = re.search(r"Professor (\w+)", body_text(story)).group(1)

    response = client.get("/search/", {"q": name})
    assert response.status_code == 200
    results = BeautifulSoup(response.content, "html.parser").select(".search-result__title a")
    assert story.title in [a.get_text() for a in results]


def test_pages_added_afterwards_the_usual_way_fit_in_the_tree(demo_site, client):
    index = StoryIndexPage.objects.get()
    generate(20)

    story = StoryPage(title="Written by an editor", intro="After the synthetic ones.")
    index.add_child(instance=story)
    story.save_revision().publish()
    assert_tree_is_valid()
    assert client.get(story.url).status_code == 200

    # A synthetic story has no revision yet: editing and publishing one makes the first.
    edited = synthetic_stories().first()
    edited.title = "Edited synthetic story"
    edited.save_revision().publish()
    assert client.get(edited.url).status_code == 200

    # And a second run continues after the editor's page.
    generate(5)
    assert_tree_is_valid()
    index.refresh_from_db()
    assert index.numchild == 3 + 20 + 1 + 5


def test_batches_each_keep_the_tree_valid(demo_site, monkeypatch):
    monkeypatch.setattr(generate_stories, "BATCH_SIZE", 7)
    output = generate(20)
    progress = [line.split(" stories")[0] for line in output.splitlines() if " of 20 " in line]
    assert progress == ["7 of 20", "14 of 20", "20 of 20"]
    assert synthetic_stories().count() == 20
    assert_tree_is_valid()


def test_creates_the_story_index_when_the_site_has_none(home_page, client):
    generate(3)
    index = StoryIndexPage.objects.get()
    assert index.get_parent().specific == home_page
    assert index.numchild == 3
    assert_tree_is_valid()
    assert client.get(index.url).status_code == 200


def test_refuses_what_it_cannot_do(db):
    with pytest.raises(CommandError, match="at least 1"):
        generate(0)
    # A fresh database's default site is Wagtail's welcome page, which cannot hold stories.
    with pytest.raises(CommandError, match="cannot hold a story index"):
        generate(1)


def test_refuses_more_stories_than_the_tree_level_holds(demo_site, monkeypatch):
    monkeypatch.setattr(generate_stories, "MAX_CHILDREN", 5)
    with pytest.raises(CommandError, match="cannot take 3 more"):
        generate(3)
    assert not synthetic_stories().exists()

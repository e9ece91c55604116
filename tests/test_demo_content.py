"""The demo site is the seed's home page, idempotently, with nothing invented."""

import io
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from accolades.models import AccoladesPage, Award, Person
from home.demo import content
from home.models import HomePage
from site_config.models import SiteSettings
from stories.models import StoryIndexPage, StoryPage

SEED = Path(__file__).resolve().parent.parent / "home" / "demo" / "seed_homepage.txt"
SHARED_SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "homepage.txt"

pytestmark = pytest.mark.django_db


def visible_text(html):
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup.select(".visually-hidden, script, style"):
        hidden.decompose()
    return " ".join(soup.get_text(" ").split())


def normalise(text):
    return " ".join(text.split())


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (HomePage, StoryIndexPage, StoryPage, AccoladesPage, Person, Award)
    }


def test_the_copy_of_the_seed_is_the_seed():
    if not SHARED_SEED.exists():
        pytest.skip(reason="shared/seed is not beside this checkout")
    assert SEED.read_text() == SHARED_SEED.read_text()


def test_demo_content_builds_the_tree(demo_site, client):
    assert demo_site.is_root() is False and demo_site.depth == 2
    assert counts() == {
        "HomePage": 1,
        "StoryIndexPage": 1,
        "StoryPage": 3,
        "AccoladesPage": 1,
        "Person": 4,
        "Award": 4,
    }
    assert all(page.live for page in StoryPage.objects.all())
    assert SiteSettings.for_site(demo_site.get_site()).site_name == content.SITE_NAME
    for url in ("/", "/news/", "/rankings-and-accolades/"):
        assert client.get(url).status_code == 200


def test_demo_content_is_idempotent(demo_site):
    before = counts()
    body_before = list(demo_site.body.raw_data)
    call_command("load_demo_content", stdout=io.StringIO())
    call_command("load_demo_content", stdout=io.StringIO())
    assert counts() == before
    assert list(HomePage.objects.get().body.raw_data) == body_before


def test_a_second_run_keeps_an_editors_changes(demo_site):
    story = StoryPage.objects.get(slug=content.STORIES[0]["slug"])
    story.title = "Edited by an editor"
    story.save_revision().publish()
    call_command("load_demo_content", stdout=io.StringIO())
    assert StoryPage.objects.get(pk=story.pk).title == "Edited by an editor"


def test_if_empty_does_nothing_on_a_site_with_content(demo_site):
    StoryPage.objects.first().delete()
    out = io.StringIO()
    call_command("load_demo_content", "--if-empty", stdout=out)
    assert StoryPage.objects.count() == 2
    assert "already has content" in out.getvalue()


def test_every_seed_sentence_is_on_the_home_page_or_a_story_it_links_to(demo_site, client):
    home = client.get("/")
    soup = BeautifulSoup(home.content, "html.parser")
    texts = [visible_text(home.content)]
    story_links = {a["href"] for a in soup.select(".card__title a")}
    assert len(story_links) == 3
    texts += [visible_text(client.get(link).content) for link in story_links]
    site_text = " ".join(texts)

    missing = []
    for line in SEED.read_text().splitlines():
        # A line listing several positions ("No. 19 Globally, No. 1 in Hong Kong") is shown
        # as a list; the ranking's "in <name>" line is shown as the ranking's heading.
        parts = [line] if "No. " not in line else line.split(", ")
        for part in parts:
            part = normalise(re.sub(r"^in (?=Times Higher)", "", part))
            if part and part not in site_text:
                missing.append(part)
    assert missing == []


def test_home_page_sections_follow_the_seeds_order(demo_site):
    kinds = [block.block_type for block in demo_site.body]
    assert kinds == [
        "latest_stories",
        "heading",
        "rankings",
        "facts",
        "accolades",
        "statement",
    ]


def test_rankings_carry_every_position_the_seed_lists(demo_site):
    rankings = next(block for block in demo_site.body if block.block_type == "rankings")
    items = list(rankings.value["items"])
    found = {
        item.value["name"]: [(p["rank"], p["scope"]) for p in item.value["positions"]]
        for item in items
        if item.block_type == "ranking"
    }
    assert found == {
        "Times Higher Education Impact Rankings": [(19, "Globally"), (1, "in Hong Kong")],
        "Global Employability University Ranking": [(1, "in Hong Kong"), (3, "in Greater China")],
        "QS Asia University Rankings": [(2, "in Hong Kong"), (6, "in Asia")],
    }
    assert [i.value["title"] for i in items if i.block_type == "distinction"] == [
        "Research and Discovery Champions Award"
    ]


def test_no_figure_is_invented(demo_site, client):
    facts = next(block for block in demo_site.body if block.block_type == "facts")
    assert [fact["figure"] for fact in facts.value["facts"]] == [""] * len(content.FACTS)
    assert not BeautifulSoup(client.get("/").content, "html.parser").select(".fact__figure")


def test_the_demo_content_is_valid_for_editors(demo_site):
    """An editor can publish the demo pages unchanged: no block fails validation."""
    for page in (demo_site, AccoladesPage.objects.get()):
        page.body.stream_block.clean(page.body)
        page.full_clean()


def test_demo_content_loads_into_a_flushed_database(transactional_db):
    call_command("flush", "--no-input", verbosity=0)
    call_command("load_demo_content", stdout=io.StringIO())
    assert HomePage.objects.get().get_site().is_default_site
    assert StoryPage.objects.live().count() == 3

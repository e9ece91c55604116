"""Every block renders with its own template, and refuses what it must refuse."""

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from wagtail import blocks
from wagtail.blocks.list_block import ListBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.fields import StreamField
from wagtail.images.blocks import ImageBlock
from wagtail.models import get_page_models

from accolades.blocks import (
    AccoladesSectionBlock,
    DistinctionBlock,
    FactBlock,
    FactsSectionBlock,
    RankingBlock,
    RankingsSectionBlock,
)
from accolades.models import AccoladesPage, Award, Person
from home.blocks import HomePageBodyBlock, StatementBlock
from home.models import HomePage
from site_config.blocks import (
    CallToActionBlock,
    CaptionedEmbedBlock,
    CaptionedImageBlock,
    HeadingBlock,
    LinkBlock,
    ParagraphBlock,
    QuoteBlock,
)
from stories.blocks import FeaturedStoriesBlock, LatestStoriesBlock
from stories.models import StoryPage


def render(block, data, context=None):
    value = block.to_python(data)
    return BeautifulSoup(block.render(value, context or {}), "html.parser")


def text_of(soup):
    return " ".join(soup.get_text(" ").split())


RANKING = {
    "name": "QS Asia University Rankings",
    "year": 2026,
    "positions": [{"rank": 2, "scope": "in Hong Kong"}, {"rank": 6, "scope": "in Asia"}],
    "publisher_note": "Published by QS",
    "source_url": "https://example.org/qs",
}


def test_every_home_page_block_has_a_template_of_its_own():
    templates = set()
    for name, block in HomePageBodyBlock().child_blocks.items():
        template = getattr(block.meta, "template", None)
        assert template, f"{name} has no template"
        templates.add(template)
    assert len(templates) == len(HomePageBodyBlock().child_blocks)


def test_heading_block_renders_the_chosen_level():
    soup = render(HeadingBlock(), {"text": "Research", "level": "h3"})
    assert soup.find("h3").get_text() == "Research"
    assert render(HeadingBlock(), {"text": "News", "level": "h2"}).find("h2")


def test_paragraph_block_keeps_links_and_escapes_nothing_it_should_keep():
    soup = render(ParagraphBlock(), '<p>See <a href="https://example.org">this</a>.</p>')
    assert soup.find("a")["href"] == "https://example.org"


def test_quote_block():
    soup = render(QuoteBlock(), {"quote": "A <b>landmark</b>.", "attribution": "A. Person"})
    assert soup.find("blockquote").get_text(strip=True) == "A <b>landmark</b>."
    assert soup.find("figcaption").get_text() == "A. Person"


@pytest.mark.django_db
def test_call_to_action_links_to_a_page(home_page):
    soup = render(
        CallToActionBlock(),
        {"heading": "Study with us", "text": "", "link": {"page": home_page.pk, "label": "Apply"}},
    )
    assert soup.find("a", class_="button")["href"] == "/"
    assert soup.find("a").get_text() == "Apply"


def test_link_block_needs_exactly_one_target():
    block = LinkBlock()
    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python({"page": None, "url": "", "label": ""}))
    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python({"page": None, "url": "https://example.org", "label": ""}))
    assert block.clean(block.to_python({"url": "https://example.org", "label": "Example"}))


def test_ranking_renders_name_edition_positions_and_source():
    soup = render(RankingBlock(), RANKING)
    assert soup.find("h3").get_text() == "QS Asia University Rankings 2026"
    positions = [" ".join(li.get_text(" ").split()) for li in soup.select("li")]
    assert positions == ["No. 2 in Hong Kong", "No. 6 in Asia"]
    assert "Published by QS" in text_of(soup)
    assert soup.find("a")["href"] == "https://example.org/qs"


def test_a_ranking_needs_a_position():
    block = RankingBlock()
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(block.to_python({**RANKING, "positions": []}))
    assert "positions" in error.value.block_errors


def test_a_rank_starts_at_one():
    block = RankingBlock()
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(block.to_python({**RANKING, "positions": [{"rank": 0, "scope": "Globally"}]}))
    positions_error = error.value.block_errors["positions"]
    assert isinstance(positions_error, ListBlockValidationError)
    assert 0 in positions_error.block_errors


def test_a_ranking_needs_its_edition_year():
    block = RankingBlock()
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(block.to_python({**RANKING, "year": None}))
    assert "year" in error.value.block_errors


def test_distinction_renders_what_is_known():
    soup = render(DistinctionBlock(), {"title": "Research and Discovery Champions Award"})
    assert soup.find("h3").get_text() == "Research and Discovery Champions Award"


def test_rankings_section_renders_each_item_under_its_heading():
    data = {
        "heading": "Rankings",
        "intro": "Our international accolades",
        "items": [{"type": "ranking", "value": RANKING}],
    }
    soup = render(RankingsSectionBlock(), data)
    assert soup.find("h2").get_text() == "Rankings"
    assert soup.find("section")["aria-labelledby"] == soup.find("h2")["id"]
    assert "No. 6 in Asia" in text_of(soup)


def test_fact_shows_figure_label_source_and_year():
    data = {
        "figure": "19%",
        "label": "of Faculty Members",
        "detail": "World’s Top 2% Scientists",
        "source": "Stanford University",
        "year": 2023,
    }
    text = text_of(render(FactBlock(), data))
    assert text == "19% of Faculty Members World’s Top 2% Scientists Stanford University 2023"


def test_a_fact_without_a_figure_shows_no_figure():
    soup = render(FactBlock(), {"figure": "", "label": "Unicorn Start-Ups", "source": ""})
    assert not soup.select(".fact__figure")
    assert soup.select_one(".fact__label").get_text() == "Unicorn Start-Ups"


def test_a_fact_needs_a_label():
    block = FactBlock()
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(block.to_python({"figure": "", "label": "", "source": "Someone"}))
    assert "label" in error.value.block_errors


def test_a_figure_needs_its_source_and_year():
    block = FactBlock()
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(block.to_python({"figure": "42", "label": "Start-ups", "source": ""}))
    assert set(error.value.block_errors) == {"source", "year"}
    value = block.to_python({"figure": "42", "label": "Start-ups", "source": "HK", "year": 2024})
    assert block.clean(value)["figure"] == "42"


def test_facts_section_needs_a_fact():
    block = FactsSectionBlock()
    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python({"heading": "Facts", "facts": []}))


@pytest.mark.django_db
def test_accolades_section_shows_chosen_awards_with_their_people_in_order():
    hui = Person.objects.create(honorific="Prof.", name="Kai Lung HUI")
    li = Person.objects.create(honorific="Prof.", name="Jiatao LI")
    first = Award.objects.create(person=li, title="Top Scientists", year=2025, awarding_body="SU")
    second = Award.objects.create(person=hui, title="Distinguished Fellow Award")
    soup = render(AccoladesSectionBlock(), {"heading": "", "awards": [first.pk, second.pk]})
    names = [h3.get_text(strip=True) for h3 in soup.select(".award__person")]
    assert names == ["Prof. Jiatao LI", "Prof. Kai Lung HUI"]
    assert "Top Scientists 2025 by SU" in text_of(soup)
    # No heading: the section is still labelled for assistive technology.
    assert soup.find("section")["aria-label"]


@pytest.mark.django_db
def test_accolades_section_skips_an_award_deleted_since():
    person = Person.objects.create(name="RAN Chunyan")
    award = Award.objects.create(person=person, title="Outstanding Paper Award")
    block = AccoladesSectionBlock()
    value = block.to_python({"awards": [award.pk]})
    award.delete()
    value = block.to_python({"awards": [award.pk]})
    soup = BeautifulSoup(block.render(value), "html.parser")
    assert not soup.select(".award")


def test_statement_block():
    data = {"heading": "", "text": "<p>Dedicated to the SDGs.</p>", "link": {}}
    soup = render(StatementBlock(), data)
    assert text_of(soup) == "Dedicated to the SDGs."
    assert not soup.find("a")


def test_statement_link_is_optional_but_complete_when_given():
    block = StatementBlock()
    assert block.clean(block.to_python({"text": "<p>x</p>", "link": {}}))
    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python({"text": "<p>x</p>", "link": {"url": "https://e.org"}}))


@pytest.mark.django_db
def test_latest_stories_are_newest_first_live_and_limited(make_story, category):
    import datetime

    make_story("Old", date=datetime.date(2020, 1, 1))
    make_story("New", date=datetime.date(2025, 1, 1), category=category)
    make_story("Middle", date=datetime.date(2023, 1, 1))
    make_story("Draft", date=datetime.date(2026, 1, 1), live=False)
    request = RequestFactory().get("/")
    block = LatestStoriesBlock()

    soup = render(block, {"heading": "News", "count": 2}, {"request": request})
    assert [a.get_text() for a in soup.select(".card__title a")] == ["New", "Middle"]

    soup = render(block, {"heading": "News", "count": 3, "category": category.pk})
    assert [a.get_text() for a in soup.select(".card__title a")] == ["New"]


def test_latest_stories_count_is_bounded():
    block = LatestStoriesBlock()
    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python({"heading": "News", "count": 0}))
    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python({"heading": "News", "count": 500}))


@pytest.mark.django_db
def test_featured_stories_keep_the_editors_order_and_drop_unpublished(make_story):
    first, second, third = make_story("First"), make_story("Second"), make_story("Third")
    third.unpublish()
    value = {"heading": "Featured", "stories": [second.pk, third.pk, first.pk]}
    soup = render(FeaturedStoriesBlock(), value)
    assert [a.get_text() for a in soup.select(".card__title a")] == ["Second", "First"]


def test_struct_blocks_reject_an_unknown_child_quietly():
    # Old content with a field since removed must still render, not crash.
    block = HeadingBlock()
    value = block.to_python({"text": "Kept", "level": "h2", "removed_field": "x"})
    assert isinstance(value, blocks.StructValue)
    assert "Kept" in block.render(value)


def test_validation_errors_name_the_field():
    block = FactBlock()
    try:
        block.clean(block.to_python({"figure": "5", "label": "L", "source": ""}))
    except StructBlockValidationError as error:
        assert isinstance(error.block_errors["source"], ValidationError)
        assert "source" in error.block_errors["source"].messages[0]
    else:
        pytest.fail("A figure without a source was accepted")


@pytest.mark.django_db
def test_out_of_date_claims_are_flagged_to_editors_in_preview_only(home_page, client):
    old = {**RANKING, "year": 2015}
    home_page.body = [("rankings", {"heading": "Rankings", "items": [("ranking", old)]})]
    home_page.save_revision().publish()
    notice = "Editors: this edition (2015) may be out of date."
    assert notice not in client.get("/").content.decode()
    preview = home_page.make_preview_request()
    assert notice in preview.render().content.decode()


@pytest.mark.django_db
def test_captioned_image_whose_image_was_deleted_renders_nothing():
    block = CaptionedImageBlock()
    data = {"image": {"image": 987654, "alt_text": "Gone", "decorative": False}, "caption": "x"}
    assert render(block, data).get_text().strip() == ""


@pytest.mark.django_db
def test_embed_renders_the_providers_html_and_fails_quietly():
    from wagtail.embeds.embeds import get_embed_hash
    from wagtail.embeds.models import Embed

    url = "https://www.youtube.com/watch?v=abc"
    Embed.objects.create(
        url=url,
        hash=get_embed_hash(url),
        type="video",
        html='<iframe title="A talk" src="https://www.youtube.com/embed/abc"></iframe>',
    )
    block = CaptionedEmbedBlock()
    soup = render(block, {"embed": url, "caption": "A talk"})
    assert soup.find("iframe")["title"] == "A talk"
    # An address no provider knows renders the caption alone, not an error.
    soup = render(block, {"embed": "https://unknown.invalid/video", "caption": "Lost"})
    assert not soup.find("iframe") and "Lost" in soup.get_text()


# ---- The block picker: every block an editor can insert, as the picker shows it ----------


def pickable_blocks():
    """(where, block) for every block offered in a StreamField of a page type, nested
    streams too (a rankings section's items, the accolades page's text and media)."""
    found = []

    def walk(where, block):
        if isinstance(block, blocks.StreamBlock):
            for name, child in block.child_blocks.items():
                found.append((f"{where}.{name}", child))
                walk(f"{where}.{name}", child)
        elif isinstance(block, blocks.StructBlock):
            for name, child in block.child_blocks.items():
                walk(f"{where}.{name}", child)
        elif isinstance(block, blocks.ListBlock):
            walk(where, block.child_block)

    for model in get_page_models():
        for field in model._meta.get_fields():
            if isinstance(field, StreamField):
                walk(f"{model.__name__}.{field.name}", field.stream_block)
    return found


PICKABLE = pickable_blocks()


def sample_words(block, value):
    """The words of a preview value that visitors would read on the page."""
    if value is None or isinstance(block, ImageBlock):
        return
    if isinstance(block, blocks.StructBlock):
        for name, child in block.child_blocks.items():
            if name in value:
                yield from sample_words(child, value[name])
    elif isinstance(block, blocks.ListBlock):
        for item in value:
            yield from sample_words(block.child_block, item)
    elif isinstance(block, blocks.StreamBlock):
        for child in value:
            yield from sample_words(child.block, child.value)
    elif isinstance(block, blocks.RichTextBlock):
        yield BeautifulSoup(value.source, "html.parser").get_text()
    elif isinstance(block, (blocks.CharBlock, blocks.TextBlock)) and value:
        yield value


@pytest.fixture
def editor_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("editor", "", "pw"))
    return client


@pytest.fixture
def no_network(monkeypatch):
    """Fails any attempt to fetch an embed from its provider."""

    def refuse(*args, **kwargs):
        raise AssertionError("An embed provider was asked for a preview.")

    monkeypatch.setattr("wagtail.embeds.embeds.get_embed", refuse)


def block_preview(client, block):
    """The block's preview in the picker: (status code, its visible words, the page)."""
    response = client.get(reverse("wagtailadmin_block_preview"), {"id": block.definition_prefix})
    soup = BeautifulSoup(response.content, "html.parser")
    main = soup.find("main")
    return response.status_code, " ".join((main or soup).get_text(" ").split()), soup


def test_every_page_type_offers_blocks():
    offered = {where.split(".")[0] for where, _ in PICKABLE}
    assert offered == {"HomePage", "ContentPage", "StoryPage", "AccoladesPage"}


def test_the_blocks_of_a_picker_have_icons_of_their_own():
    pickers = {}
    for where, block in PICKABLE:
        pickers.setdefault(where.rsplit(".", 1)[0], []).append(block.meta.icon)
    for picker, icons in pickers.items():
        assert len(set(icons)) == len(icons), picker


@pytest.mark.parametrize("where, block", PICKABLE, ids=[where for where, _ in PICKABLE])
def test_every_block_in_the_picker_is_described(where, block):
    assert block.meta.icon not in (None, "", "placeholder")
    assert block.meta.label, "set a label: the picker shows it"
    assert block.get_description(), "set a description: the picker shows it"
    assert block.is_previewable


# On an empty database: previews must not need a story, an image or an award to exist.
@pytest.mark.django_db
@pytest.mark.parametrize("where, block", PICKABLE, ids=[where for where, _ in PICKABLE])
def test_every_block_previews_its_sample_in_the_picker(where, block, editor_client, no_network):
    status, text, soup = block_preview(editor_client, block)
    assert status == 200
    assert soup.find("link", rel="stylesheet", href=lambda href: "css/site.css" in href)
    words = [" ".join(w.split()) for w in sample_words(block, block.get_preview_value())]
    assert words, "the preview value has no words of its own"
    for sample in words:
        assert sample in text


@pytest.mark.django_db
def test_featured_stories_preview_shows_the_newest_stories(editor_client, make_story):
    import datetime

    make_story("Older", date=datetime.date(2024, 1, 1))
    make_story("Newer", date=datetime.date(2025, 1, 1))
    make_story("Draft", date=datetime.date(2026, 1, 1), live=False)
    block = HomePage.body.field.stream_block.child_blocks["featured_stories"]
    status, _, soup = block_preview(editor_client, block)
    assert status == 200
    assert [a.get_text() for a in soup.select(".card__title a")] == ["Newer", "Older"]


@pytest.mark.django_db
def test_featured_stories_preview_without_stories_says_so(editor_client):
    block = HomePage.body.field.stream_block.child_blocks["featured_stories"]
    status, text, _ = block_preview(editor_client, block)
    assert status == 200 and "No stories have been published yet." in text


@pytest.mark.django_db
def test_accolades_preview_shows_the_seeds_awards_until_there_are_records(editor_client):
    block = HomePage.body.field.stream_block.child_blocks["accolades"]
    _, text, _ = block_preview(editor_client, block)
    # As the seed has it: "Prof. Jiatao LI / World’s Top 2% Most-cited Scientists 2025 by
    # Stanford University", and nothing was saved to show it.
    assert "Prof. Jiatao LI" in text
    assert "World’s Top 2% Most-cited Scientists 2025 by Stanford University" in text
    assert not Award.objects.exists() and not Person.objects.exists()

    person = Person.objects.create(honorific="Dr.", name="A. Editor")
    Award.objects.create(person=person, title="An award on record", year=2024)
    _, text, _ = block_preview(editor_client, block)
    assert "Dr. A. Editor" in text and "An award on record 2024" in text
    assert "Jiatao LI" not in text


@pytest.mark.django_db
def test_image_preview_shows_a_placeholder_then_the_newest_image(editor_client):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    block = HomePage.body.field.stream_block.child_blocks["image"]
    status, text, soup = block_preview(editor_client, block)
    assert status == 200 and not soup.find("img")
    assert "Your image" in text

    Image.objects.create(title="Older", file=get_test_image_file(size=(800, 600)))
    Image.objects.create(title="The quad", file=get_test_image_file(size=(800, 600)))
    status, text, soup = block_preview(editor_client, block)
    assert status == 200 and "Your image" not in text
    assert soup.select_one("main picture img")["alt"] == "The quad"


@pytest.mark.django_db
def test_embed_preview_asks_no_provider(editor_client, no_network):
    block = HomePage.body.field.stream_block.child_blocks["embed"]
    status, text, soup = block_preview(editor_client, block)
    assert status == 200 and not soup.find("iframe")
    assert "Video or media from another site" in text


def test_a_long_page_of_sections_opens_collapsed():
    # Wagtail collapses a stream's children when the stream says so; a StructBlock's own
    # `collapsed` applies only where it is nested in another StructBlock.
    assert HomePage.body.field.stream_block.meta.collapsed
    assert AccoladesPage.body.field.stream_block.meta.collapsed
    rankings = HomePage.body.field.stream_block.child_blocks["rankings"]
    facts = HomePage.body.field.stream_block.child_blocks["facts"]
    assert rankings.child_blocks["items"].meta.collapsed
    assert facts.child_blocks["facts"].meta.collapsed
    # Text is written top to bottom: a story's body stays open.
    assert not StoryPage.body.field.stream_block.meta.collapsed

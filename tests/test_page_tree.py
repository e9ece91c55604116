"""The page tree only lets editors build a sensible site, and each type is creatable."""

import pytest
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from accolades.models import AccoladesPage
from home.models import ContentPage, HomePage
from stories.models import StoryIndexPage, StoryPage


class TestTreeRules(WagtailPageTestCase):
    def test_home_page_sits_at_the_root_only(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertCanNotCreateAt(HomePage, HomePage)
        self.assertCanNotCreateAt(ContentPage, HomePage)

    def test_home_page_children(self):
        self.assertAllowedSubpageTypes(HomePage, {StoryIndexPage, AccoladesPage, ContentPage})

    def test_stories_live_only_under_the_story_index(self):
        self.assertAllowedParentPageTypes(StoryPage, {StoryIndexPage})
        self.assertAllowedSubpageTypes(StoryIndexPage, {StoryPage})
        self.assertAllowedSubpageTypes(StoryPage, set())
        self.assertCanNotCreateAt(HomePage, StoryPage)
        self.assertCanNotCreateAt(ContentPage, StoryPage)

    def test_index_and_accolades_pages_sit_under_the_home_page(self):
        self.assertAllowedParentPageTypes(StoryIndexPage, {HomePage})
        self.assertAllowedParentPageTypes(AccoladesPage, {HomePage})
        self.assertAllowedSubpageTypes(AccoladesPage, set())
        self.assertCanNotCreateAt(Page, StoryIndexPage)

    def test_content_pages_nest(self):
        self.assertAllowedParentPageTypes(ContentPage, {HomePage, ContentPage})
        self.assertAllowedSubpageTypes(ContentPage, {ContentPage})


@pytest.mark.django_db
def test_one_story_index_and_one_accolades_page_per_home_page(home_page, story_index):
    assert not StoryIndexPage.can_create_at(home_page)
    assert AccoladesPage.can_create_at(home_page)
    home_page.add_child(instance=AccoladesPage(title="Rankings & Accolades", slug="rankings"))
    assert not AccoladesPage.can_create_at(home_page)
    # A second site's home page may have its own.
    other_home = Page.get_first_root_node().add_child(instance=HomePage(title="Other", slug="o"))
    assert StoryIndexPage.can_create_at(other_home)


class TestEditorsCreatePages(WagtailPageTestCase):
    """Each page type created through the admin's own create view, as an editor would."""

    @classmethod
    def setUpTestData(cls):
        root = Page.get_first_root_node()
        cls.home = root.add_child(instance=HomePage(title="Home", slug="home-page"))
        cls.index = cls.home.add_child(instance=StoryIndexPage(title="News", slug="news"))

    def setUp(self):
        self.login()

    def test_create_home_page_with_sections(self):
        data = nested_form_data(
            {
                "title": "Second home",
                "slug": "second-home",
                "body": streamfield(
                    [
                        ("heading", {"text": "Welcome", "level": "h2"}),
                        (
                            "statement",
                            {
                                "heading": "Our commitment",
                                "text": rich_text("<p>We mean it.</p>"),
                                "link": {"page": "", "url": "", "label": ""},
                            },
                        ),
                    ]
                ),
            }
        )
        self.assertCanCreate(Page.get_first_root_node(), HomePage, data)
        page = HomePage.objects.get(slug="second-home")
        assert [block.block_type for block in page.body] == ["heading", "statement"]

    def test_create_story_index_page(self):
        self.index.delete()
        data = nested_form_data({"title": "News & Stories", "slug": "stories", "intro": "New."})
        self.assertCanCreate(self.home, StoryIndexPage, data)

    def test_create_story_page(self):
        data = nested_form_data(
            {
                "title": "A new medical school",
                "slug": "a-new-medical-school",
                "intro": "The school opens.",
                "date": "2025-03-01",
                "tags": "medicine, education",
                "body": streamfield(
                    [
                        ("heading", {"text": "Why", "level": "h2"}),
                        ("paragraph", rich_text("<p>Because doctors are needed.</p>")),
                        ("quote", {"quote": "A landmark.", "attribution": "Someone"}),
                    ]
                ),
            }
        )
        self.assertCanCreate(self.index, StoryPage, data)
        story = StoryPage.objects.get(slug="a-new-medical-school")
        assert story.live
        assert sorted(tag.name for tag in story.tags.all()) == ["education", "medicine"]
        assert len(story.body) == 3

    def test_create_accolades_page_with_a_ranking(self):
        data = nested_form_data(
            {
                "title": "Rankings & Accolades",
                "slug": "rankings",
                "intro": "",
                "body": streamfield(
                    [
                        (
                            "rankings",
                            {
                                "heading": "Rankings",
                                "intro": "",
                                "items": streamfield(
                                    [
                                        (
                                            "ranking",
                                            {
                                                "name": "QS Asia University Rankings",
                                                "year": "2026",
                                                "positions": streamfield(
                                                    [("item", {"rank": "2", "scope": "in Asia"})]
                                                ),
                                                "publisher_note": "",
                                                "source_url": "",
                                            },
                                        )
                                    ]
                                ),
                            },
                        )
                    ]
                ),
            }
        )
        self.assertCanCreate(self.home, AccoladesPage, data)

    def test_create_content_page(self):
        data = nested_form_data(
            {
                "title": "About",
                "slug": "about",
                "intro": "Who we are.",
                "body": streamfield([("paragraph", rich_text("<p>Hello.</p>"))]),
            }
        )
        self.assertCanCreate(self.home, ContentPage, data)

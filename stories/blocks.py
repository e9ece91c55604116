from wagtail import blocks
from wagtail.models import Site
from wagtail.snippets.blocks import SnippetChooserBlock

from .models import StoryPage

# The seed's own heading and sentence for its stories, for previews in the block picker.
SAMPLE_SECTION = {
    "heading": "News & Stories",
    "intro": "Our latest endeavors are creating positive change in a dynamic global environment.",
}


class StoriesSectionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120, default="News & Stories")
    intro = blocks.TextBlock(required=False, help_text="A sentence under the heading.")
    link = blocks.PageChooserBlock(
        page_type="stories.StoryIndexPage",
        required=False,
        help_text="A 'more stories' link under the section.",
    )


class LatestStoriesBlock(StoriesSectionBlock):
    """Filled live: the newest published stories, optionally of one category."""

    count = blocks.IntegerBlock(
        min_value=1, max_value=12, default=3, help_text="How many stories to show (1–12)."
    )
    category = SnippetChooserBlock(
        "stories.StoryCategory",
        required=False,
        help_text="Only stories of this category; leave empty for every story.",
    )

    class Meta:
        icon = "list-ul"
        template = "stories/blocks/latest_stories_block.html"
        label = "Latest stories"
        description = "The newest published stories, updated as stories are published."
        preview_value = {**SAMPLE_SECTION, "count": 3}

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        stories = StoryPage.objects.visible()
        request = (parent_context or {}).get("request")
        if request is not None and (site := Site.find_for_request(request)):
            stories = stories.in_site(site)
        # .get(): a block preview's value holds only the fields its preview_value names.
        if category := value.get("category"):
            stories = stories.filter(category=category)
        context["stories"] = stories.newest(value.get("count") or 3)
        return context


class FeaturedStoriesBlock(StoriesSectionBlock):
    """Stories chosen by hand, in the editor's order."""

    stories = blocks.ListBlock(
        blocks.PageChooserBlock(page_type="stories.StoryPage"),
        min_num=1,
        max_num=12,
        help_text="Up to 12, shown in this order; drag to reorder.",
    )

    class Meta:
        icon = "pick"
        template = "stories/blocks/featured_stories_block.html"
        label = "Featured stories"
        description = "Stories you choose, shown in your order."

    def get_preview_value(self):
        # The site's newest stories stand in for a choice; with none yet, the section says so.
        stories = StoryPage.objects.visible().newest(3)
        return self.normalize({**SAMPLE_SECTION, "stories": stories})

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        chosen_ids = [page.pk for page in value["stories"] if page is not None]
        # A chosen story later unpublished or made private drops out here.
        visible = StoryPage.objects.filter(pk__in=chosen_ids).visible().for_cards().in_bulk()
        context["stories"] = [visible[pk] for pk in chosen_ids if pk in visible]
        return context

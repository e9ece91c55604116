from wagtail import blocks

from accolades.blocks import AccoladesSectionBlock, FactsSectionBlock, RankingsSectionBlock
from site_config.blocks import (
    CallToActionBlock,
    CaptionedEmbedBlock,
    CaptionedImageBlock,
    HeadingBlock,
    OptionalLinkBlock,
    ParagraphBlock,
    QuoteBlock,
)
from stories.blocks import FeaturedStoriesBlock, LatestStoriesBlock


class StatementBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        required=False,
        max_length=120,
        help_text="Optional: without one, the section is still named for screen readers.",
    )
    text = ParagraphBlock()
    link = OptionalLinkBlock(help_text="Optional: a page that says more.")

    class Meta:
        icon = "globe"
        template = "home/blocks/statement_block.html"
        label = "Statement"
        description = (
            "A short statement of purpose, such as the university's commitment to the SDGs."
        )
        preview_value = {
            "text": (
                "<p>Dedicated to the United Nations' Sustainable Development Goals (SDGs), we "
                "cultivate a diverse community, fostering global citizenship, community "
                "engagement, and driving positive societal impact.</p>"
            )
        }


class HomePageBodyBlock(blocks.StreamBlock):
    latest_stories = LatestStoriesBlock(group="Stories")
    featured_stories = FeaturedStoriesBlock(group="Stories")
    rankings = RankingsSectionBlock(group="Accolades")
    facts = FactsSectionBlock(group="Accolades")
    accolades = AccoladesSectionBlock(group="Accolades")
    statement = StatementBlock(group="Text and media")
    heading = HeadingBlock(group="Text and media")
    paragraph = ParagraphBlock(group="Text and media")
    image = CaptionedImageBlock(group="Text and media")
    quote = QuoteBlock(group="Text and media")
    call_to_action = CallToActionBlock(group="Text and media")
    embed = CaptionedEmbedBlock(group="Text and media")

    class Meta:
        # A long page of sections: each opens as one line, to be expanded as needed.
        # (A section's own `collapsed` option does nothing here: Wagtail applies it only
        # to a StructBlock nested in another.)
        collapsed = True

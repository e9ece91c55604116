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
    heading = blocks.CharBlock(required=False, max_length=120)
    text = ParagraphBlock()
    link = OptionalLinkBlock()

    class Meta:
        icon = "openquote"
        template = "home/blocks/statement_block.html"
        label = "Statement"
        description = (
            "A short statement of purpose, such as the university's commitment to the SDGs."
        )
        preview_value = {
            "text": (
                "<p>Dedicated to the United Nations' Sustainable Development Goals (SDGs), we "
                "cultivate a diverse community.</p>"
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

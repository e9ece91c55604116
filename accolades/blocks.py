"""Claims about the university: rankings, facts and figures, and people's awards.

A ranking or fact is a claim, so it always carries its source and year, and visitors
always see them beside it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

from site_config.blocks import GeneralContentBlock

from .views import award_chooser_viewset

AwardChooserBlock = award_chooser_viewset.get_block_class(
    name="AwardChooserBlock", module_path="accolades.blocks"
)

# Block previews in the picker show the seed's own claims.
SAMPLE_RANKING = {
    "name": "QS Asia University Rankings",
    "year": 2026,
    "positions": [{"rank": 2, "scope": "in Hong Kong"}, {"rank": 6, "scope": "in Asia"}],
}
SAMPLE_FACT = {"figure": "", "label": "Unicorn Start-Ups", "detail": "Valued at >US$1 billion"}
SAMPLE_DISTINCTION = {"title": "Research and Discovery Champions Award"}
# (honorific, name, award, year, awarding body), as the seed gives them.
SAMPLE_AWARDS = [
    ("Prof.", "Jiatao LI", "World’s Top 2% Most-cited Scientists", 2025, "Stanford University"),
    ("Mr.", "Wesley LEUNG Ka Chun", "Innovation and Technology Scholarship", 2025, ""),
]


class EditionYearBlock(blocks.IntegerBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1900)
        kwargs.setdefault("max_value", 2100)
        super().__init__(**kwargs)


def oldest_current_edition():
    """The oldest edition year still current: CLAIM_MAX_AGE_YEARS before this one."""
    return timezone.localdate().year - settings.CLAIM_MAX_AGE_YEARS


class ClaimStructValue(blocks.StructValue):
    def is_out_of_date(self):
        """True when the edition is older than the oldest current one: time for an editor
        to check it (the editors' note in previews, and Reports → Claims to check)."""
        year = self.get("year")
        return bool(year) and year < oldest_current_edition()


class SectionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        max_length=120,
        required=False,
        help_text="Optional: without one, the section is still named for screen readers.",
    )
    intro = blocks.TextBlock(required=False, help_text="A sentence under the heading.")


class RankPositionBlock(blocks.StructBlock):
    rank = blocks.IntegerBlock(min_value=1, help_text="1 for first place.")
    scope = blocks.CharBlock(
        max_length=80, help_text="Where the rank holds: Globally, in Hong Kong, in Asia …"
    )

    class Meta:
        icon = "order"
        form_classname = "struct-block rank-position-block"


class RankingBlock(blocks.StructBlock):
    name = blocks.CharBlock(
        max_length=200, help_text="The ranking's own name, such as QS Asia University Rankings."
    )
    year = EditionYearBlock(label="Edition", help_text="The year of the edition, as published.")
    positions = blocks.ListBlock(
        RankPositionBlock(),
        min_num=1,
        help_text="At least one position: a rank and where it holds.",
    )
    publisher_note = blocks.CharBlock(
        required=False,
        max_length=250,
        help_text="Who designed or published the ranking, when its name does not say.",
    )
    source_url = blocks.URLBlock(
        required=False, label="Source link", help_text="The ranking's published table."
    )

    class Meta:
        icon = "order"
        template = "accolades/blocks/ranking_block.html"
        value_class = ClaimStructValue
        label = "Ranking"
        description = "One ranking: its name, edition and the positions held."
        preview_value = SAMPLE_RANKING


class DistinctionBlock(blocks.StructBlock):
    """An honour for the institution that has no rank, such as a named award."""

    title = blocks.CharBlock(max_length=200, help_text="The honour's name, as it is awarded.")
    year = EditionYearBlock(required=False, help_text="The year it was awarded.")
    awarding_body = blocks.CharBlock(required=False, max_length=200, help_text="Who gave it.")
    source_url = blocks.URLBlock(
        required=False, label="Source link", help_text="Where the honour is announced."
    )

    class Meta:
        icon = "success"
        template = "accolades/blocks/distinction_block.html"
        value_class = ClaimStructValue
        label = "Distinction"
        description = "An honour for the university that has no rank."
        preview_value = SAMPLE_DISTINCTION


class RankingsSectionBlock(SectionBlock):
    # Collapsed when the page opens: each ranking shows as a line with its name.
    items = blocks.StreamBlock(
        [("ranking", RankingBlock()), ("distinction", DistinctionBlock())],
        min_num=1,
        collapsed=True,
    )

    class Meta:
        icon = "order"
        template = "accolades/blocks/rankings_section_block.html"
        label = "Rankings"
        description = "Rankings and honours, each with its edition and source."
        preview_value = {
            "heading": "Rankings",
            "intro": "Our international accolades",
            "items": [("ranking", SAMPLE_RANKING), ("distinction", SAMPLE_DISTINCTION)],
        }


class FactBlock(blocks.StructBlock):
    figure = blocks.CharBlock(
        required=False,
        max_length=40,
        help_text="The figure, such as 1,800+ or No. 1. Leave blank until it is confirmed.",
    )
    label = blocks.CharBlock(max_length=120, help_text="What the figure counts.")
    detail = blocks.CharBlock(
        required=False, max_length=250, help_text="What qualifies for the count, if needed."
    )
    source = blocks.CharBlock(
        required=False,
        max_length=200,
        help_text="Who published the figure. Required with a figure.",
    )
    year = EditionYearBlock(
        required=False, help_text="The year of the source. Required with a figure."
    )

    class Meta:
        icon = "decimal"
        template = "accolades/blocks/fact_block.html"
        value_class = ClaimStructValue
        label = "Fact"
        description = "A figure, with what it counts, its source and year."
        preview_value = SAMPLE_FACT

    def clean(self, value):
        value = super().clean(value)
        # A figure is a claim: it cannot be shown without where and when it comes from.
        # A blank figure claims nothing, so the seed's facts (numbers lost) stay valid.
        if value.get("figure"):
            errors = {}
            if not value.get("source"):
                errors["source"] = ValidationError("A figure needs its source.")
            if not value.get("year"):
                errors["year"] = ValidationError("A figure needs the year of its source.")
            if errors:
                raise StructBlockValidationError(block_errors=errors)
        return value


class FactsSectionBlock(SectionBlock):
    # Collapsed when the page opens: each fact shows as a line with its figure.
    facts = blocks.ListBlock(FactBlock(), min_num=1, collapsed=True)

    class Meta:
        icon = "decimal"
        template = "accolades/blocks/facts_section_block.html"
        label = "Facts and figures"
        description = "Figures about the university, each with its source and year."
        preview_value = {"heading": "Facts and Figures", "facts": [SAMPLE_FACT]}


class AccoladesSectionBlock(SectionBlock):
    awards = blocks.ListBlock(
        AwardChooserBlock(), min_num=1, help_text="Shown in this order; drag to reorder."
    )

    class Meta:
        icon = "user"
        template = "accolades/blocks/accolades_section_block.html"
        label = "People's accolades"
        description = "Awards won by members of the university, chosen from the award records."

    def get_preview_value(self):
        # Imported here: the models module imports this one.
        from .models import Award, Person

        awards = list(Award.objects.select_related("person", "person__photo", "story")[:3])
        if not awards:
            # No records yet: the seed's awards, shown but never saved.
            awards = [
                Award(
                    person=Person(honorific=honorific, name=name),
                    title=title,
                    year=year,
                    awarding_body=awarding_body,
                )
                for honorific, name, title, year, awarding_body in SAMPLE_AWARDS
            ]
        return self.normalize({"heading": "People's accolades", "awards": awards})


class AccoladesPageBodyBlock(blocks.StreamBlock):
    rankings = RankingsSectionBlock()
    facts = FactsSectionBlock()
    content = GeneralContentBlock(icon="doc-full", label="Text and media")

    class Meta:
        # A long page of sections: each opens as one line, to be expanded as needed.
        collapsed = True

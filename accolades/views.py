from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.blocks import ChooserBlock


class AwardChooserBlockBase(ChooserBlock):
    def bulk_to_python(self, values):
        # A whole list of awards with their people in one query, and the people's photos'
        # renditions in another, instead of two per award. A StreamField reads a section's
        # ListBlock of choosers through here (StreamBlock, StructBlock and ListBlock all
        # convert their children in bulk).
        values = list(values)
        found = self.model_class.objects.for_cards().in_bulk(values)
        return [found.get(pk) for pk in values]


class AwardChooserViewSet(ChooserViewSet):
    model = "accolades.Award"
    icon = "success"
    choose_one_text = "Choose an award"
    choose_another_text = "Choose another award"
    edit_item_text = "Edit this award"
    base_block_class = AwardChooserBlockBase
    form_fields = ["person", "title", "awarding_body", "year"]


award_chooser_viewset = AwardChooserViewSet("award_chooser", url_prefix="accolades/award-chooser")
